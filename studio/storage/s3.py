"""S3-compatible storage (SeaweedFS, MinIO, AWS) through boto3.

``s3://bucket/prefix``: keys live below ``prefix``. Endpoint, region and
credentials come from arguments or boto3's usual sources (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, config files).

Integrity: every object carries its sha256 in user metadata (``x-amz-meta-sha256``)
and uploads send ``x-amz-checksum-sha256`` so the server rejects corrupted bodies; an
upload whose bytes do not hash to the expected sha256 never replaces the object;
downloads are hashed while streaming and compared with that metadata. Transient
failures (5xx, throttling, timeouts, refused connections) are retried by botocore
with exponential backoff; every other failure becomes a Vietnamese ``StorageError``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from ..artifacts import atomic_path
from . import ObjectInfo, StorageError, check_key, register_backend

MB = 1024 * 1024
PART_WORKERS = 4  # parts of one large file in flight at once (each held in memory)
META_SHA256 = "sha256"

_ERRORS = {
    "InvalidAccessKeyId": "khóa truy cập (access key) không tồn tại trên máy chủ",
    "SignatureDoesNotMatch": "khóa bí mật (secret key) không đúng",
    "AccessDenied": "không có quyền",
    "NoSuchBucket": "không có bucket",
    "NoSuchKey": "không có tệp",
    "BadDigest": "dữ liệu tải lên bị hỏng trên đường truyền (mã băm không khớp)",
    "InvalidBucketName": "tên bucket không hợp lệ",
    "RequestTimeTooSkewed": "đồng hồ máy này lệch quá nhiều so với máy chủ",
    "ExpiredToken": "phiên đăng nhập đã hết hạn",
}


@register_backend("s3")
class S3Storage:
    """One bucket (and optional key prefix) on an S3-compatible server."""

    def __init__(self, url: str, endpoint_url: str | None = None, region: str | None = None,
                 profile: str | None = None, access_key: str | None = None, secret_key: str | None = None,
                 multipart_threshold: int = 16 * MB, multipart_chunksize: int = 16 * MB,
                 max_attempts: int = 4, connect_timeout: float = 5, read_timeout: float = 60,
                 max_connections: int = 16):
        self.url = url.rstrip("/")
        rest = self.url.removeprefix("s3://")
        self.bucket, _, prefix = rest.partition("/")
        if not self.bucket:
            raise StorageError(f"địa chỉ {url!r} thiếu tên bucket (dạng s3://bucket/tiền-tố)")
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        self.region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        config = Config(
            region_name=self.region, signature_version="s3v4",
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            max_pool_connections=max_connections,
            # Self-hosted servers (SeaweedFS, MinIO) address buckets by path, not by DNS name.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        )
        try:
            session = boto3.session.Session(botocore_session=_core_session(), profile_name=profile,
                                            aws_access_key_id=access_key, aws_secret_access_key=secret_key)
            self.client = session.client("s3", endpoint_url=self.endpoint_url, config=config)
        except BotoCoreError as exc:
            raise StorageError(f"{self.url}: không mở được kho S3: {exc}") from None
        self.multipart_threshold, self.multipart_chunksize = multipart_threshold, multipart_chunksize

    # --- keys and errors -------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def describe(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def _fail(self, exc: Exception, action: str, key: str = "") -> StorageError:
        """Turn a boto error into one Vietnamese sentence: what failed, where, what to do."""
        where = self.describe(key)
        server = self.endpoint_url or "AWS S3"
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return StorageError(f"{action} {where}: chưa có thông tin đăng nhập S3 — đặt AWS_ACCESS_KEY_ID và "
                                f"AWS_SECRET_ACCESS_KEY (hoặc AWS_PROFILE) rồi chạy lại")
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return StorageError(f"{action} {where}: sai thông tin đăng nhập S3 — {_ERRORS[code]}; kiểm tra "
                                    f"AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
            if code in ("403", "Forbidden") or (status == 403 and code not in _ERRORS):
                return StorageError(f"{action} {where}: máy chủ từ chối (403) — sai khóa truy cập/khóa bí mật, "
                                    f"hoặc khóa này không có quyền với đường dẫn này")
            if code == "AccessDenied":
                return StorageError(f"{action} {where}: không có quyền — khóa đang dùng không được phép thao tác này "
                                    f"(khóa chỉ đọc của một đơn vị chỉ đọc được tệp mà đơn vị đó nhận)")
            if code in ("404", "NoSuchKey", "NotFound"):
                return StorageError(f"{action} {where}: không có tệp này trên máy chủ")
            reason = _ERRORS.get(code, f"{code} {err.get('Message', '')}".strip())
            return StorageError(f"{action} {where}: {reason}")
        return StorageError(f"{action} {where}: không kết nối được tới máy chủ S3 {server} "
                            f"({type(exc).__name__}); kiểm tra địa chỉ máy chủ và mạng rồi chạy lại")

    def _explain_403(self, exc: ClientError, action: str, key: str = "") -> StorageError:
        """HEAD answers carry no error body: ask once more with a listing to tell bad keys from no rights."""
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code not in ("403", "Forbidden"):
            return self._fail(exc, action, key)
        try:
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(key) if key else self.prefix, MaxKeys=1)
        except (ClientError, BotoCoreError) as probe:
            failure = self._fail(probe, action, key)
            if "sai thông tin đăng nhập" in str(failure):
                return failure
        return StorageError(f"{action} {self.describe(key)}: không có quyền — khóa đang dùng không được phép "
                            f"thao tác này")

    # --- the Storage interface ----------------------------------------------------------

    def put_file(self, key: str, path: Path, media_type: str, sha256: str) -> None:
        """Upload ``path`` only if the bytes sent hash to ``sha256``; a mismatch never replaces the object.

        Small files are read once, hashed and sent with ``x-amz-checksum-sha256`` (the server refuses a
        body that does not match it). Large ones go multipart: each part carries its own checksum, the
        whole is hashed as it is read, and the upload is completed (the object replaced) only if that
        hash is ``sha256``; otherwise it is aborted and the published object stays as it was.
        """
        path = Path(path)
        full = self._key(key)
        extra = {"ContentType": media_type, "Metadata": {META_SHA256: sha256}}
        changed = StorageError(f"{path}: nội dung tệp không khớp mã băm trong manifest (tệp đã bị sửa sau khi "
                               f"build?) — bản đã xuất bản {self.describe(key)} giữ nguyên; chạy lại studio build")
        try:
            if path.stat().st_size < self.multipart_threshold:
                data = path.read_bytes()
                digest = hashlib.sha256(data).digest()
                if digest.hex() != sha256:
                    raise changed
                self.client.put_object(Bucket=self.bucket, Key=full, Body=data, ChecksumSHA256=_b64(digest), **extra)
            elif self._put_parts(full, path, extra) != sha256:
                raise changed
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "không tải lên được", key) from None

    def _put_parts(self, full: str, path: Path, extra: dict) -> str | None:
        """Multipart upload of ``path``, completed only if the bytes read hash to ``extra``'s sha256;
        return that hash (aborted, nothing replaced, when it differs)."""
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=full, ChecksumAlgorithm="SHA256", **extra)
        upload_id = upload["UploadId"]

        def send(number: int, chunk: bytes) -> dict:
            answer = self.client.upload_part(Bucket=self.bucket, Key=full, UploadId=upload_id, PartNumber=number,
                                             Body=chunk, ChecksumSHA256=_b64(hashlib.sha256(chunk).digest()))
            part = {"PartNumber": number, "ETag": answer["ETag"]}
            if answer.get("ChecksumSHA256"):  # echoed by the server: completing checks each part against it
                part["ChecksumSHA256"] = answer["ChecksumSHA256"]
            return part

        digest, parts, completed = hashlib.sha256(), [], False
        try:
            with open(path, "rb") as fh, ThreadPoolExecutor(max_workers=PART_WORKERS) as pool:
                # In order, a few parts at a time: every byte sent is hashed once, memory stays bounded.
                while batch := [c for c in (fh.read(self.multipart_chunksize) for _ in range(PART_WORKERS)) if c]:
                    for chunk in batch:
                        digest.update(chunk)
                    parts += pool.map(send, range(len(parts) + 1, len(parts) + 1 + len(batch)), batch)
            if digest.hexdigest() == extra["Metadata"][META_SHA256]:
                self.client.complete_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id,
                                                      MultipartUpload={"Parts": parts})
                completed = True
        finally:
            if not completed:
                try:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
                except (ClientError, BotoCoreError):
                    pass  # the server is gone too: it drops unfinished uploads on its own
        return digest.hexdigest()

    def put_bytes(self, key: str, data: bytes, media_type: str) -> None:
        digest = hashlib.sha256(data).digest()
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=media_type,
                                   Metadata={META_SHA256: digest.hex()}, ChecksumSHA256=_b64(digest))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "không ghi được", key) from None

    def _get(self, key: str, sink, check: bool = True) -> str | None:
        """Stream an object into ``sink``; return its sha256 (None if missing and not ``check``).

        With ``check``, a missing object is an error and the content must match
        the sha256 in its metadata.
        """
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            digest = hashlib.sha256()
            for chunk in response["Body"].iter_chunks(1 * MB):
                digest.update(chunk)
                sink(chunk)
        except ClientError as exc:
            if not check and exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail(exc, "không tải xuống được", key) from None
        except BotoCoreError as exc:
            raise self._fail(exc, "không tải xuống được", key) from None
        actual = digest.hexdigest()
        expected = response.get("Metadata", {}).get(META_SHA256)
        if check and expected and expected != actual:
            raise StorageError(f"{self.describe(key)}: nội dung tải về không khớp mã băm ghi trên máy chủ "
                               f"(tệp bị hỏng hoặc bị sửa)")
        return actual

    def sha256(self, key: str) -> str | None:
        """Hash of the object's actual bytes (streamed, nothing stored); None if it does not exist."""
        return self._get(key, lambda chunk: None, check=False)

    def get_bytes(self, key: str) -> bytes:
        parts: list[bytes] = []
        self._get(key, parts.append)
        return b"".join(parts)

    def get_file(self, key: str, target: Path) -> None:
        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            self._get(key, fh.write)

    def info(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._explain_403(exc, "không đọc được thông tin", key) from None
        except BotoCoreError as exc:
            raise self._fail(exc, "không đọc được thông tin", key) from None
        return ObjectInfo(key, head["ContentLength"], _stamp(head["ETag"], head["ContentLength"]),
                          head.get("Metadata", {}).get(META_SHA256))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects below ``prefix`` with size and ETag (listings carry no user metadata)."""
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for obj in page.get("Contents", []):
                    yield ObjectInfo(obj["Key"][len(self.prefix):], obj["Size"], _stamp(obj["ETag"], obj["Size"]))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "không liệt kê được", prefix) from None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "không xóa được", key) from None

    def prepare(self) -> None:
        """Create the bucket if it does not exist (publisher credentials only)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise self._explain_403(exc, "không truy cập được bucket") from None
        except BotoCoreError as exc:
            raise self._fail(exc, "không truy cập được bucket") from None
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise self._fail(exc, "không tạo được bucket") from None

    def local_path(self, key: str) -> None:
        return None

    def presign(self, key: str, expires: int) -> str:
        """A GET link for ``key`` valid for ``expires`` seconds, signed with the current credentials."""
        try:
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=int(expires))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "không tạo được liên kết", key) from None

    def allow_public_read(self, prefixes: list[str]) -> None:
        """Anyone may GET (not list) objects under ``prefixes``: one ``Allow`` statement for ``Principal: *``
        in the bucket policy, named after this storage's prefix and replaced in place; other statements stay.
        Written only when it changes. (AWS: the bucket's Block Public Access must allow public policies.)"""
        sid = "StudioPublicRead" + hashlib.sha256(self.prefix.encode()).hexdigest()[:12]
        ours = {"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": sorted(f"arn:aws:s3:::{self.bucket}/{self._key(p.strip('/'))}/*" for p in prefixes)}
        try:
            policy = json.loads(self.client.get_bucket_policy(Bucket=self.bucket)["Policy"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
                raise self._fail(exc, "không đọc được bucket policy của") from None
            policy = {"Version": "2012-10-17", "Statement": []}
        except (BotoCoreError, ValueError) as exc:
            raise self._fail(exc, "không đọc được bucket policy của") from None
        statements = policy.get("Statement") or []
        statements = statements if isinstance(statements, list) else [statements]
        if any(_same_statement(s, ours) for s in statements):
            return
        policy["Statement"] = [s for s in statements if s.get("Sid") != sid] + [ours]
        try:
            self.client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "không đặt được quyền đọc công khai (bucket policy) cho") from None

    def public_url(self, key: str) -> str:
        base = (self.endpoint_url or f"https://{self.bucket}.s3.{self.region}.amazonaws.com").rstrip("/")
        return f"{base}/{self.bucket}/{self._key(key)}" if self.endpoint_url else f"{base}/{self._key(key)}"


_LOADER = None


def _core_session() -> botocore.session.Session:
    """A fresh botocore session (credentials are re-read each time) sharing one model loader.

    Loading the S3 service model takes ~0.5 s; the loader caches it, so every
    storage opened after the first costs milliseconds.
    """
    global _LOADER
    core = botocore.session.Session()
    if _LOADER is None:
        _LOADER = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _LOADER)
    return core


def _same_statement(a: dict, b: dict) -> bool:
    """Policy statements equal up to how a server writes them back (one value or a list of one)."""
    def norm(statement: dict) -> dict:
        return {k: sorted(v) if isinstance(v, list) else [v] if k in ("Action", "Resource") else v
                for k, v in statement.items()}
    return norm(a) == norm(b)


def _stamp(etag: str, size: int) -> str:
    """A new PUT gives a new ETag (MD5 of the body, or of the parts); with the size it keys cached digests."""
    return f"{etag.strip(chr(34))}:{size}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
