"""Answer-accuracy evaluation: QA sets, metrics, baselines, the runner and its report (`kb eval`)."""
