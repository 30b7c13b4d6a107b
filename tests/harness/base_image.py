"""The tests' base image: a busybox-static root filesystem, imported.

No machine here reaches Docker Hub, so the tests build FROM this image. It is
named for what it is and never passed off as alpine.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import docker

from tests.harness.engine import HarnessError

BASE_IMAGE = "workbench-test/busybox:latest"


def is_static_elf(path: Path) -> bool:
    """True if the ELF file has no PT_INTERP header (needs no dynamic loader)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit ELF only
        return False
    order = "little" if data[5] == 1 else "big"
    phoff = int.from_bytes(data[32:40], order)
    phentsize = int.from_bytes(data[54:56], order)
    phnum = int.from_bytes(data[56:58], order)
    for i in range(phnum):
        start = phoff + i * phentsize
        if int.from_bytes(data[start:start + 4], order) == 3:  # PT_INTERP
            return False
    return True


def _busybox_binary() -> Path:
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        path = Path(candidate).resolve()
        if path.exists() and is_static_elf(path):
            return path
    raise HarnessError("A static busybox is needed for the test base image "
                       "(Debian: `sudo apt-get install busybox-static`).")


def rootfs_tar() -> bytes:
    busybox = _busybox_binary()
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for folder in ("bin", "etc", "tmp", "root", "proc", "sys", "dev", "var"):
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        info = tar.gettarinfo(str(busybox), arcname="bin/busybox")
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        with busybox.open("rb") as f:
            tar.addfile(info, f)
        for applet in applets:
            if applet == "busybox":
                continue
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
                           ("etc/group", "root:x:0:\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def ensure_base_image(api: docker.APIClient) -> str:
    """Import the base image unless the engine already has it; returns its id."""
    try:
        return str(api.inspect_image(BASE_IMAGE)["Id"])
    except docker.errors.ImageNotFound:
        pass
    repo, tag = BASE_IMAGE.rsplit(":", 1)
    api.import_image_from_data(rootfs_tar(), repository=repo, tag=tag,
                               changes=['CMD ["/bin/sh"]', "ENV PATH=/bin"])
    return str(api.inspect_image(BASE_IMAGE)["Id"])
