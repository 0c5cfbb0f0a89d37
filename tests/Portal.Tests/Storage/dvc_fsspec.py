"""DVC's HTTP remote transport, driven for Portal's tests and benchmark.

DVC talks to an HTTP remote through fsspec's HTTPFileSystem, configured by iterative/dvc-http: uploads use POST unless
the remote sets `method` (dvc_http/spec.py), the aiohttp session has no total timeout, 60 s connect and read timeouts,
`trust_env`, a connector with `enable_cleanup_closed`, and Basic auth from `auth: basic` + user/password
(dvc_http/__init__.py). This script builds the file system the same way and runs the operations DVC runs:
`exists` (fsspec sends GET and counts any status below 400 as present), `info` (HEAD for the size), `put_file`
(the body streamed as chunks: chunked transfer encoding), `get_file`.

Reads one JSON request on stdin (so credentials never appear in argv):
  {"url": "http://127.0.0.1:PORT/owner/name.dvc", "user": ..., "password": ..., "method": "POST" | "PUT",
   "ops": [{"op": "exists" | "info", "path": ...}, {"op": "put", "path", "local"}, {"op": "get", "path", "local"},
           {"op": "put_cut", "path", "size", "cut_after"}, {"op": "exists_many", "paths": [...], "jobs": N}]}
Paths are relative to the remote URL (files/md5/ab/cdef...). Prints {"results": [...]}, one object per op:
{"ok": true, ...} or {"ok": false, "error": <exception type>, "status": <HTTP status or null>, "message": ...}.
"""

import io
import json
import sys
import time

import aiohttp
from fsspec.asyn import sync
from fsspec.implementations import http

REQUEST_TIMEOUT = 60


class DvcHttpFileSystem(http.HTTPFileSystem):
    """dvc_http.spec.HTTPFileSystem: put_file uses the remote's upload method."""

    def __init__(self, *args, upload_method="post", **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_method = upload_method

    async def _put_file(self, *args, **kwargs):
        kwargs.setdefault("method", self.upload_method)
        return await super()._put_file(*args, **kwargs)


async def get_client(ssl_verify, read_timeout, connect_timeout, **kwargs):
    """dvc_http.HTTPFileSystem.get_client. Its retrying wrapper (aiohttp-retry) is not packaged by Debian; DVC only
    retries reads with it and never writes, so the requests a single attempt sends are the same."""
    kwargs["timeout"] = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_connect=connect_timeout, sock_read=read_timeout)
    kwargs["connector"] = aiohttp.TCPConnector(enable_cleanup_closed=True, ssl=ssl_verify)
    try:
        from aiohttp_retry import ExponentialRetry, RetryClient
    except ImportError:
        return aiohttp.ClientSession(**kwargs)
    kwargs["retry_options"] = ExponentialRetry(attempts=5, factor=0.1, max_timeout=REQUEST_TIMEOUT, exceptions={aiohttp.ClientError})
    return RetryClient(**kwargs)


def filesystem(request):
    """The fs_args dvc_objects and dvc_http build from `dvc remote` settings."""
    fs_args = {"skip_instance_cache": True}
    if request.get("user") is not None:
        fs_args["client_kwargs"] = {"auth": aiohttp.BasicAuth(request["user"], request["password"])}
    fs_args["upload_method"] = request.get("method", "POST")
    fs_args.setdefault("client_kwargs", {}).update(
        {"ssl_verify": None, "read_timeout": REQUEST_TIMEOUT, "connect_timeout": REQUEST_TIMEOUT, "trust_env": True})
    return DvcHttpFileSystem(get_client=get_client, **fs_args)


class CutStream(io.RawIOBase):
    """A local file whose disk fails part way: the upload's connection drops in the middle of its chunked body."""

    def __init__(self, size, cut_after):
        self.remaining = size
        self.until_cut = cut_after

    def readable(self):
        return True

    def read(self, n=-1):
        if self.until_cut <= 0:
            raise OSError("simulated read error: the upload is cut here")
        n = min(n if n and n > 0 else self.until_cut, self.until_cut, self.remaining)
        self.until_cut -= n
        self.remaining -= n
        return b"\x5a" * n


def failure(exception):
    return {"ok": False, "error": type(exception).__name__, "status": getattr(exception, "status", None), "message": str(exception)}


def run(fs, url, op):
    target = url + "/" + op["path"] if "path" in op else None
    kind = op["op"]
    if kind == "exists":
        return {"ok": True, "exists": fs.exists(target)}
    if kind == "info":
        return {"ok": True, "size": fs.info(target).get("size")}
    if kind == "put":
        fs.put_file(op["local"], target)
        return {"ok": True}
    if kind == "get":
        fs.get_file(target, op["local"])
        return {"ok": True}
    if kind == "put_cut":
        fs.put_file(CutStream(op["size"], op["cut_after"]), target, chunk_size=op["cut_after"])
        return {"ok": True}
    if kind == "exists_many":
        return exists_many(fs, [url + "/" + p for p in op["paths"]], op.get("jobs", 16))
    raise ValueError(f"unknown op {kind!r}")


def exists_many(fs, paths, jobs):
    """`dvc status -c`: existence of every object, `jobs` requests in flight at once (dvc_objects' batched exists)."""
    import asyncio

    async def check_all():
        gate = asyncio.Semaphore(jobs)

        async def check(path):
            async with gate:
                return await fs._exists(path)

        return await asyncio.gather(*(check(p) for p in paths))

    started = time.perf_counter()
    found = sync(fs.loop, check_all)
    elapsed = time.perf_counter() - started
    return {"ok": True, "present": sum(1 for f in found if f), "checked": len(paths), "seconds": elapsed}


def main():
    request = json.load(sys.stdin)
    fs = filesystem(request)
    url = request["url"].rstrip("/")
    results = []
    for op in request["ops"]:
        try:
            results.append(run(fs, url, op))
        except Exception as exception:  # every failure is reported to the test, which asserts on it
            results.append(failure(exception))
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
