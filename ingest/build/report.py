"""What an ingest did (`IngestReport`), and its summary in Chinese for the person who ran it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.records import DocumentMeta


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, same content as)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    rebuilt: str = ""  # why everything was re-indexed, if it was
    documents: int = 0
    paragraphs: int = 0
    chunks: int = 0
    embedded: int = 0  # distinct texts the embedder was given this time
    reused: int = 0  # chunks of added or changed documents whose vector came from the cache
    recounted: int = 0  # documents of an older index whose BM25 term counts were added
    seconds: float = 0.0
    version: str = ""
    # Every indexed document and its metadata (path, metadata), and what was wrong with a
    # sidecar correction file.
    catalog: list[tuple[str, DocumentMeta]] = field(default_factory=list)
    meta_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a damaged vector cache set aside

    def summary(self) -> str:
        cached = f"，{self.reused} 个片段的向量取自缓存" if self.reused else ""
        lines = [
            f"索引完成：{self.documents} 个文档，{self.paragraphs} 个段落，{self.chunks} 个片段，"
            f"用时 {self.seconds:.1f} 秒。",
            f"新增 {len(self.added)}，更新 {len(self.changed)}，删除 {len(self.removed)}，"
            f"未变 {len(self.unchanged)}，本次向量化 {self.embedded} 个片段{cached}。",
        ]
        if self.rebuilt:
            lines.append(f"已全部重建：{self.rebuilt}")
        if self.recounted:
            lines.append(f"关键词索引已升级：为 {self.recounted} 个已有文档统计词频（无需重新向量化）。")
        lines += [f"重复文件（未重复索引）：{p}，内容与 {same} 相同" for p, same in self.duplicates]
        lines += [f"未能导入：{p}：{reason}" for p, reason in self.failed]
        lines += [f"元数据更正文件有误：{problem}" for problem in self.meta_problems]
        lines += [f"注意：{warning}" for warning in self.warnings]
        return "\n".join(lines)
