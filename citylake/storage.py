"""Files of the landing zone and the lake, local or on S3, through one interface.

Landing files are read by the task process (pyarrow), and staged batches are written
where the Spark cluster can read them; both follow the lake's settings, so a local
folder and an s3a:// bucket behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pyarrow.fs as pafs

from citylake.settings import Settings


@dataclass(frozen=True)
class Location:
    fs: pafs.FileSystem
    path: str  # the path in fs's terms
    uri: str   # the same place as Spark names it

    def child(self, *parts: str) -> Location:
        tail = "/".join(p.strip("/") for p in parts)
        return Location(self.fs, f"{self.path.rstrip('/')}/{tail}", f"{self.uri.rstrip('/')}/{tail}")

    def exists(self) -> bool:
        return self.fs.get_file_info(self.path).type != pafs.FileType.NotFound

    def is_dir(self) -> bool:
        return self.fs.get_file_info(self.path).type == pafs.FileType.Directory

    def list_files(self, recursive: bool = False) -> list[Location]:
        """Files (not folders) below this one, sorted by name; hidden and temp files skipped."""
        if not self.is_dir():
            return []
        infos = self.fs.get_file_info(pafs.FileSelector(self.path, recursive=recursive))
        files = [i for i in infos if i.type == pafs.FileType.File and not i.base_name.startswith((".", "_"))]
        out = []
        for info in sorted(files, key=lambda i: i.path):
            rel = info.path[len(self.path.rstrip("/")) + 1:]
            out.append(self.child(rel))
        return out

    def list_dirs(self) -> list[Location]:
        if not self.is_dir():
            return []
        infos = self.fs.get_file_info(pafs.FileSelector(self.path))
        return [self.child(i.base_name) for i in sorted(infos, key=lambda i: i.path) if i.type == pafs.FileType.Directory]

    def size(self) -> int:
        return int(self.fs.get_file_info(self.path).size or 0)

    def open(self) -> BinaryIO:
        return self.fs.open_input_stream(self.path)  # type: ignore[return-value]

    def remove_tree(self) -> None:
        if self.exists():
            self.fs.delete_dir(self.path)


def location(settings: Settings, uri: str) -> Location:
    """A place named by a local path or an s3a:// URL, with the settings' credentials."""
    if uri.startswith(("s3a://", "s3://")):
        s3 = settings.s3
        endpoint = s3.endpoint or None
        scheme = "http" if endpoint and endpoint.startswith("http://") else "https"
        fs = pafs.S3FileSystem(
            access_key=s3.access_key.get_secret_value() or None,
            secret_key=s3.secret_key.get_secret_value() or None,
            endpoint_override=endpoint.split("://", 1)[-1] if endpoint else None,
            scheme=scheme,
            force_virtual_addressing=not s3.path_style,
        )
        return Location(fs, uri.split("://", 1)[1], uri.replace("s3://", "s3a://", 1))
    path = uri.removeprefix("file://")
    return Location(pafs.LocalFileSystem(), path, path)


def landing(settings: Settings) -> Location:
    return location(settings, settings.landing)


def lake(settings: Settings) -> Location:
    return location(settings, settings.lake)
