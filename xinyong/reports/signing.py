"""The reports' signature: PAdES (ETSI.CAdES.detached) with the platform's report key.

The signing key is an ECDSA P-256 key derived (HKDF-SHA256) from the platform key, so it is
never stored and every server holding the platform key signs with the same key. Its
certificate is self-signed, written once beside the database (``XINYONG_REPORT_CERT``,
default ``report-signing.crt`` in the data folder) and is the trust root ``xinyong reports
verify`` checks a PDF against; publish it so that readers can trust it. [A certificate from
an electronic-seal authority (GB/T 38540, SM2) would replace it; not done.]
"""

from __future__ import annotations

import asyncio
import io
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from xinyong.clock import utcnow
from xinyong.privacy.ids import derive_key
from xinyong.settings import get_settings

with warnings.catch_warnings():  # pyHanko imports DSA, which cryptography calls deprecated
    warnings.simplefilter("ignore")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


T = TypeVar("T")


def outside_event_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``function`` (pyHanko's sync API, which runs its own event loop with
    ``asyncio.run``) in a thread of its own when this thread already runs a loop (an async
    caller, or a test session driving a browser), else here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def signing_key(secret: bytes) -> ec.EllipticCurvePrivateKey:
    value = int.from_bytes(derive_key(secret, b"credit-report-signing-p256"), "big")
    return ec.derive_private_key(value % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _certificate(key: ec.EllipticCurvePrivateKey, city: str) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{city}公共信用信息平台"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{city}公共信用信息报告签章"),
        ]
    )
    now = utcnow().replace(microsecond=0) - timedelta(days=1)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )


def certificate_pem(path: Path, key: ec.EllipticCurvePrivateKey, city: str) -> bytes:
    """The report certificate at ``path``, created for ``key`` when missing; an existing one
    for another key (a changed platform key) is refused rather than overwritten."""
    if path.exists():
        pem = path.read_bytes()
        cert = x509.load_pem_x509_certificate(pem)
        found = cert.public_key()
        if not (
            isinstance(found, ec.EllipticCurvePublicKey)
            and found.public_numbers() == key.public_key().public_numbers()
        ):
            raise RuntimeError(
                f"报告签名证书 {path} 不属于当前平台密钥，请恢复原平台密钥或移走该证书"
            )
        return pem
    pem = _certificate(key, city).public_bytes(serialization.Encoding.PEM)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # exclusive: two processes starting together keep the first one's certificate
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # public, not secret
    except FileExistsError:
        return certificate_pem(path, key, city)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return pem


@dataclass(frozen=True)
class ReportSigner:
    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate


@lru_cache(maxsize=4)
def _signer_for(secret: bytes, cert_path: str, city: str) -> ReportSigner:
    key = signing_key(secret)
    pem = certificate_pem(Path(cert_path), key, city)
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    cert = asn1_x509.Certificate.load(der)
    private = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    registry = SimpleCertificateStore.from_certs([cert])
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=private, cert_registry=registry)
    return ReportSigner(signer, cert)


def report_signer() -> ReportSigner:
    settings = get_settings()
    return _signer_for(settings.secret_key, str(settings.report_cert), settings.city_name)


def sign_pdf(pdf: bytes, number: str, at: datetime) -> bytes:
    """``pdf`` with an invisible PAdES signature covering the whole file."""
    chosen = report_signer()
    meta = signers.PdfSignatureMetadata(
        field_name="ReportSignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=f"公共信用信息报告 {number}",
        location=get_settings().city_name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = outside_event_loop(
        signers.sign_pdf, writer, meta, signer=chosen.signer, timestamper=None
    )
    return signed.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    reason: str  # Chinese
    signer: str | None = None
    signed_at: datetime | None = None
    number: str | None = None


def _number_in(reader: PdfFileReader) -> str | None:
    info = reader.trailer_view.get("/Info")
    if info is None:
        return None
    subject = info.get_object().get("/Subject")
    return str(subject) if subject is not None else None


def verify_signature(data: bytes, certificate_pem_bytes: bytes) -> SignatureCheck:
    """Whether ``data`` is a PDF signed with the key of the certificate, unchanged since."""
    der = x509.load_pem_x509_certificate(certificate_pem_bytes).public_bytes(
        serialization.Encoding.DER
    )
    root = asn1_x509.Certificate.load(der)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file is a failed check, with the reason
        return SignatureCheck(False, f"无法读取 PDF：{exc}")
    if len(signatures) != 1:
        return SignatureCheck(False, f"应有 1 个签名，实有 {len(signatures)} 个")
    try:
        status = outside_event_loop(
            validate_pdf_signature, signatures[0], ValidationContext(trust_roots=[root])
        )
    except Exception as exc:
        return SignatureCheck(False, f"签名无法验证：{exc}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
    number = _number_in(reader)
    if not status.intact:
        return SignatureCheck(False, "文件内容在签名后被改动（摘要不符）", signer, number=number)
    if not status.valid:
        return SignatureCheck(False, "签名值无效", signer, number=number)
    if not status.trusted:
        return SignatureCheck(False, "签名证书不是本平台的报告签名证书", signer, number=number)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(False, "签名之后文件被追加了内容", signer, number=number)
    return SignatureCheck(True, "签名有效，文件未被改动", signer, status.signer_reported_dt, number)
