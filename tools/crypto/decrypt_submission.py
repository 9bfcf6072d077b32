#!/usr/bin/env python3
"""Independent decryptor for ODK encrypted submissions (the format ODK Collect writes).

Why this exists: Verivali's Rust core encrypts finalized submissions for forms whose
``<submission>`` element carries ``base64RsaPublicKey`` (ADR 0014). Checking that code only
against itself would prove nothing, so this tool was written separately, from the published
specification (getodk/xforms-spec ``_sections/100-encryption.md``) and the behaviour documented in
ADR 0014, using only the Python standard library and PyPI's ``cryptography``. It shares no code
with the Rust side nor with any ODK project.

Commands::

    decrypt_submission.py keygen --out-private priv.pem
        Writes a new 2048-bit RSA private key (PKCS#8 PEM, mode 0600) and prints the base64
        SubjectPublicKeyInfo DER public key, i.e. the value a form's base64RsaPublicKey takes.

    decrypt_submission.py decrypt --key priv.pem --submission DIR --out OUTDIR
        DIR holds the manifest as received (``submission.xml``, the ``xml_submission_file``
        part) and the ``.enc`` parts. Decrypts every file, checks padding, recomputes the
        element signature and compares it with the one in the manifest. On success writes the
        plaintext files to OUTDIR, prints ``{"files": [...], "signature": "ok"}`` and exits 0.
        Any failure (wrong key, bad padding, bad signature, missing or malformed input) prints
        one message on stderr, writes no plaintext and exits 1.

The algorithm, in short (details and sources in docs/adr/0014-submission-encryption.md):

* The AES-256 key is wrapped with RSA-OAEP, SHA-256 as the OAEP hash AND as the MGF1 hash,
  empty label (Java's ``RSA/NONE/OAEPWithSHA256AndMGF1Padding`` under BouncyCastle/Conscrypt).
* Files are AES-256-CFB with 128-bit feedback, PKCS#7-padded to 16 bytes although CFB needs no
  padding (Java's ``AES/CFB/PKCS5Padding``).
* IVs: seed = MD5(UTF-8 instanceID || raw AES key); before file i (0-based, media files in
  manifest order, then the XML file) byte ``i % 16`` of the seed is incremented by one (mod 256)
  and the whole seed, as changed so far, is that file's IV.
* Signature source: form id, version (only if present and non-blank), the base64 wrapped key,
  the instanceID, then ``NAME::md5hex`` per media file and ``submission.xml::md5hex``, where NAME
  is the file name without ``.enc`` and md5hex is the lowercase, 32-digit MD5 of the plaintext;
  each line ends with ``\\n``. The raw 16-byte MD5 of that UTF-8 text is RSA-OAEP-encrypted (same
  parameters) and base64-encoded into ``base64EncryptedElementSignature``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, List, Optional, Sequence, Tuple
from xml.parsers import expat

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

try:  # cryptography >= 43 keeps CFB under "decrepit"; older releases only have the old path.
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover - depends on the installed cryptography release
    from cryptography.hazmat.primitives.ciphers.modes import CFB  # type: ignore[assignment]

# --------------------------------------------------------------------------------------------
# Constants and limits
# --------------------------------------------------------------------------------------------

#: Namespace ODK Collect puts on the manifest root and its own children.
COLLECT_MANIFEST_NS = "http://www.opendatakit.org/xforms/encrypted"
#: Namespace the XForms encryption spec (and Aggregate/Briefcase) use for the same elements.
SPEC_MANIFEST_NS = "http://opendatakit.org/submissions"
MANIFEST_NAMESPACES = (COLLECT_MANIFEST_NS, SPEC_MANIFEST_NS)
#: Namespace of <meta> and <instanceID> (OpenRosa metadata).
OPENROSA_NS = "http://openrosa.org/xforms"

MANIFEST_NAME = "submission.xml"
XML_PLAINTEXT_NAME = "submission.xml"
ENC_SUFFIX = ".enc"

AES_KEY_BYTES = 32
AES_BLOCK = 16
MD5_BYTES = 16

MAX_MANIFEST_BYTES = 1 << 20          # a real manifest is ~1-2 KB plus ~40 bytes per media file
MAX_KEY_FILE_BYTES = 64 << 10
DEFAULT_MAX_FILE_BYTES = 512 << 20    # per .enc file; raise with --max-file-bytes
DEFAULT_MAX_MEDIA_FILES = 10_000
MAX_XML_DEPTH = 8                     # data/media/file is depth 3; anything deeper is not ours
MAX_TEXT_CHARS = 8192                 # base64 of a 8192-bit RSA block is 1368 characters
MAX_ID_CHARS = 1024                   # form id, version, instanceID
MAX_NAME_BYTES = 255                  # one path component on common file systems
MIN_RSA_BITS, MAX_RSA_BITS = 1024, 8192
READ_CHUNK = 64 << 10

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class DecryptError(Exception):
    """A failure the user must see: printed as one line on stderr, exit status 1."""


# --------------------------------------------------------------------------------------------
# Manifest parsing
# --------------------------------------------------------------------------------------------

@dataclass
class _Node:
    ns: str
    name: str
    attrs: dict
    children: List["_Node"] = field(default_factory=list)
    text: List[str] = field(default_factory=list)  # character data directly inside this element

    def text_value(self) -> str:
        return "".join(self.text)


@dataclass
class Manifest:
    """What the decryptor needs from the manifest, already validated."""

    form_id: str
    version: Optional[str]          # None when absent or blank (Collect omits it then)
    encrypted_key_b64: str          # exactly the string the signature covers
    instance_id: str
    media: List[str]                # ".enc" names in manifest (= encryption) order
    xml_file: str                   # ".enc" name of the encrypted submission XML
    signature_b64: Optional[str]
    root_namespace: str


def _parse_xml(data: bytes, max_elements: int) -> _Node:
    """Parse the manifest with expat into a tiny tree, refusing anything a manifest never needs.

    Why not ElementTree: we want to reject DTDs outright (no entity expansion, no external
    entities, no "billion laughs"), bound depth and element count, and see namespaces exactly.
    expat with namespace processing gives "uri local" names; a handler on the DOCTYPE, entity
    and processing-instruction events turns their mere presence into an error.
    """
    parser = expat.ParserCreate(encoding=None, namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: List[_Node] = []
    root: List[_Node] = []
    count = [0]

    def split(qname: str) -> Tuple[str, str]:
        if " " in qname:
            ns, local = qname.split(" ", 1)
            return ns, local
        return "", qname

    def start(qname: str, attrs: dict) -> None:
        count[0] += 1
        if count[0] > max_elements:
            raise DecryptError(f"manifest has more than {max_elements} elements")
        if len(stack) >= MAX_XML_DEPTH:
            raise DecryptError("manifest is nested deeper than a manifest can be")
        ns, local = split(qname)
        node = _Node(ns, local, dict(attrs))
        if stack:
            stack[-1].children.append(node)
        elif root:
            raise DecryptError("manifest has more than one root element")
        else:
            root.append(node)
        stack.append(node)

    def end(_qname: str) -> None:
        stack.pop()

    def chars(data_: str) -> None:
        if stack:
            stack[-1].text.append(data_)
            if len(stack[-1].text) > 100_000:
                raise DecryptError("manifest element has too much character data")

    def forbidden(what: str) -> Callable[..., None]:
        def handler(*_args: object) -> None:
            raise DecryptError(f"manifest contains a {what}, which a submission manifest never has")
        return handler

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = forbidden("DOCTYPE")
    parser.EntityDeclHandler = forbidden("entity declaration")
    parser.ExternalEntityRefHandler = forbidden("external entity reference")
    parser.ProcessingInstructionHandler = forbidden("processing instruction")
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise DecryptError(f"manifest is not well-formed XML: {exc}") from None
    if not root:
        raise DecryptError("manifest has no root element")
    return root[0]


def _b64_text(raw: str, what: str) -> str:
    """Normalise a base64 element value: drop ASCII whitespace (a server may re-wrap it)."""
    if len(raw) > MAX_TEXT_CHARS:
        raise DecryptError(f"{what} is implausibly long ({len(raw)} characters)")
    value = re.sub(r"[ \t\r\n]", "", raw)
    if not value:
        raise DecryptError(f"{what} is empty")
    if not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", value) or len(value) % 4:
        raise DecryptError(f"{what} is not valid base64")
    return value


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptError(f"{what} is not valid base64") from None


def _check_enc_name(name: str, what: str) -> str:
    """Accept only a plain file name ending in ".enc".

    Why: the names come from the (untrusted) manifest and become paths in DIR and OUTDIR. A
    name with a separator, "..", a leading dot, control characters or no stem could read or
    write outside those directories or collide with hidden files. Collect itself only ever
    produces ``<original name>.enc`` for files in one flat directory, never dot-files.
    """
    if not name:
        raise DecryptError(f"{what} is empty")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise DecryptError(f"{what} {name[:40]!r}... is longer than {MAX_NAME_BYTES} bytes")
    if any(c in name for c in "/\\\x00") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise DecryptError(f"{what} {name!r} is not a plain file name")
    if name.startswith("."):
        raise DecryptError(f"{what} {name!r} starts with a dot")
    if not name.endswith(ENC_SUFFIX) or len(name) == len(ENC_SUFFIX):
        raise DecryptError(f"{what} {name!r} does not end in {ENC_SUFFIX!r} after a name")
    return name


def _single(children: Sequence[_Node], local: str, namespaces: Sequence[str],
            required: bool) -> Optional[_Node]:
    found = [c for c in children if c.name == local and c.ns in namespaces]
    if len(found) > 1:
        raise DecryptError(f"manifest has {len(found)} <{local}> elements; exactly one is allowed")
    if not found:
        if required:
            raise DecryptError(f"manifest has no <{local}> element")
        return None
    return found[0]


def parse_manifest(data: bytes, max_media: int = DEFAULT_MAX_MEDIA_FILES,
                   strict: bool = False) -> Manifest:
    """Read and validate the manifest (the xml_submission_file part of an encrypted submission).

    Lenient mode (default) accepts what real receivers accept: the root and its children in
    Collect's namespace or in the spec's, extra root attributes (Aggregate adds instanceID,
    submissionDate...) and any element order. It still rejects duplicated singular elements,
    unknown namespaces, stray text and unsafe names, because each of those makes the meaning
    of the manifest ambiguous. ``strict=True`` additionally demands Collect's exact shape
    (namespace, attribute set, element order, ``submission.xml.enc``), to check our encoder.
    """
    if len(data) > MAX_MANIFEST_BYTES:
        raise DecryptError(f"manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    root = _parse_xml(data, max_elements=2 * max_media + 16)

    if root.name != "data" or root.ns not in MANIFEST_NAMESPACES:
        raise DecryptError(
            f"manifest root is {{{root.ns}}}{root.name}, expected <data> in "
            f"{COLLECT_MANIFEST_NS} or {SPEC_MANIFEST_NS}")
    attrs = root.attrs
    if attrs.get("encrypted") != "yes":
        raise DecryptError('manifest root lacks encrypted="yes": this is not an encrypted submission')
    form_id = attrs.get("id", "")
    if not form_id.strip():
        raise DecryptError("manifest root has no id attribute (the form id)")
    if len(form_id) > MAX_ID_CHARS:
        raise DecryptError("manifest form id is implausibly long")
    version = attrs.get("version")
    if version is not None and len(version) > MAX_ID_CHARS:
        raise DecryptError("manifest version is implausibly long")
    if version is not None and not version.strip():
        version = None  # Collect treats a blank version as no version (FormMetadataParser)

    if root.text_value().strip():
        raise DecryptError("manifest root contains stray text")
    ns_ok = (root.ns,)
    for child in root.children:
        if child.ns not in (root.ns, OPENROSA_NS):
            raise DecryptError(f"manifest has an element in an unexpected namespace: {{{child.ns}}}{child.name}")

    key_el = _single(root.children, "base64EncryptedKey", ns_ok, True)
    xml_el = _single(root.children, "encryptedXmlFile", ns_ok, True)
    sig_el = _single(root.children, "base64EncryptedElementSignature", ns_ok, False)
    meta_el = _single(root.children, "meta", (OPENROSA_NS,), True)
    assert key_el is not None and xml_el is not None and meta_el is not None
    iid_el = _single(meta_el.children, "instanceID", (OPENROSA_NS,), True)
    assert iid_el is not None

    instance_id = iid_el.text_value().strip()
    if not instance_id:
        raise DecryptError("manifest meta/instanceID is empty (it seeds the IVs; Collect requires it)")
    if len(instance_id) > MAX_ID_CHARS:
        raise DecryptError("manifest instanceID is implausibly long")

    media: List[str] = []
    for child in root.children:
        if child.name != "media" or child.ns != root.ns:
            continue
        files = [c for c in child.children if c.name == "file" and c.ns == root.ns]
        if len(files) != 1 or len(child.children) != 1 or child.text_value().strip():
            raise DecryptError("each <media> must contain exactly one <file> and nothing else")
        media.append(_check_enc_name(files[0].text_value().strip(), "media file name"))
        if len(media) > max_media:
            raise DecryptError(f"manifest lists more than {max_media} media files")

    known = {(root.ns, "base64EncryptedKey"), (root.ns, "encryptedXmlFile"),
             (root.ns, "base64EncryptedElementSignature"), (root.ns, "media"), (OPENROSA_NS, "meta")}
    for child in root.children:
        if (child.ns, child.name) not in known:
            raise DecryptError(f"manifest has an unknown element {{{child.ns}}}{child.name}")
    if len(meta_el.children) != 1 or meta_el.text_value().strip() or iid_el.children:
        raise DecryptError("manifest <meta> must hold only <instanceID> text")

    xml_file = _check_enc_name(xml_el.text_value().strip(), "encryptedXmlFile")
    all_names = media + [xml_file]
    if len({n.casefold() for n in all_names}) != len(all_names):
        # Equal names, or names equal ignoring case (they collide on case-insensitive disks).
        raise DecryptError("manifest names the same file twice")
    if any(m[: -len(ENC_SUFFIX)] == XML_PLAINTEXT_NAME for m in media):
        raise DecryptError(f"a media file is named {XML_PLAINTEXT_NAME!r}, which collides with the submission")

    manifest = Manifest(
        form_id=form_id,
        version=version,
        encrypted_key_b64=_b64_text(key_el.text_value(), "base64EncryptedKey"),
        instance_id=instance_id,
        media=media,
        xml_file=xml_file,
        signature_b64=(_b64_text(sig_el.text_value(), "base64EncryptedElementSignature")
                       if sig_el is not None else None),
        root_namespace=root.ns,
    )
    if strict:
        _check_collect_shape(root, manifest)
    return manifest


def _check_collect_shape(root: _Node, manifest: Manifest) -> None:
    """Demand the exact manifest shape ODK Collect's EncryptionUtils writes.

    Used to check our own encoder: root in Collect's namespace with attributes id, optional
    version, encrypted; children in the order base64EncryptedKey, orx:meta(instanceID),
    media*, encryptedXmlFile, base64EncryptedElementSignature; the XML named submission.xml.enc;
    base64 without line breaks.
    """
    problems = []
    if root.ns != COLLECT_MANIFEST_NS:
        problems.append(f"root namespace is {root.ns!r}, Collect writes {COLLECT_MANIFEST_NS!r}")
    allowed = {"id", "encrypted"} | ({"version"} if "version" in root.attrs else set())
    if set(root.attrs) != allowed:
        problems.append(f"root attributes are {sorted(root.attrs)}, Collect writes {sorted(allowed)}")
    if "version" in root.attrs and manifest.version is None:
        problems.append("root has a blank version attribute, Collect omits it instead")
    order = [c.name for c in root.children]
    expected = (["base64EncryptedKey", "meta"] + ["media"] * len(manifest.media)
                + ["encryptedXmlFile", "base64EncryptedElementSignature"])
    if order != expected:
        problems.append(f"element order is {order}, Collect writes {expected}")
    meta = [c for c in root.children if c.name == "meta"]
    if meta and [c.name for c in meta[0].children] != ["instanceID"]:
        problems.append("orx:meta must contain only orx:instanceID")
    if manifest.xml_file != XML_PLAINTEXT_NAME + ENC_SUFFIX:
        problems.append(f"encryptedXmlFile is {manifest.xml_file!r}, Collect writes 'submission.xml.enc'")
    for c in root.children:
        if c.name in ("base64EncryptedKey", "base64EncryptedElementSignature") and \
                re.search(r"\s", c.text_value()):
            problems.append(f"<{c.name}> contains whitespace, Collect writes base64 without wrapping")
    if problems:
        raise DecryptError("manifest is not in Collect's exact shape (--strict): " + "; ".join(problems))


# --------------------------------------------------------------------------------------------
# Key handling
# --------------------------------------------------------------------------------------------

def load_private_key(path: str) -> rsa.RSAPrivateKey:
    """Load an unencrypted RSA private key (PKCS#8 or PKCS#1 PEM, or DER).

    Briefcase and ODK's docs produce PKCS#1 ("BEGIN RSA PRIVATE KEY") with openssl genrsa;
    our keygen writes PKCS#8. Both are accepted. The size is bounded before reading.
    """
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise DecryptError(f"cannot read private key {path}: {exc.strerror}") from None
    if size > MAX_KEY_FILE_BYTES:
        raise DecryptError(f"private key file {path} is larger than {MAX_KEY_FILE_BYTES} bytes")
    with open(path, "rb") as fh:
        data = fh.read(MAX_KEY_FILE_BYTES + 1)
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except TypeError:
        raise DecryptError(f"private key {path} is password-protected; decrypt it first") from None
    except (ValueError, UnsupportedAlgorithm):
        raise DecryptError(f"{path} is not a readable private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DecryptError(f"{path} is not an RSA private key")
    if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
        raise DecryptError(f"RSA key of {key.key_size} bits is outside {MIN_RSA_BITS}..{MAX_RSA_BITS}")
    return key


def _rsa_oaep_decrypt(key: rsa.RSAPrivateKey, data: bytes, what: str) -> bytes:
    """RSA-OAEP(SHA-256, MGF1-SHA-256) decryption with errors that name the likely cause."""
    if len(data) != (key.key_size + 7) // 8:
        raise DecryptError(
            f"{what} is {len(data)} bytes but this {key.key_size}-bit key needs "
            f"{(key.key_size + 7) // 8}: wrong private key, or the value is damaged")
    try:
        return key.decrypt(data, OAEP)
    except ValueError:
        raise DecryptError(f"cannot decrypt {what}: wrong private key, or the value was altered") from None


def unwrap_aes_key(key: rsa.RSAPrivateKey, encrypted_key_b64: str) -> bytes:
    """Recover the per-submission AES-256 key from base64EncryptedKey.

    Why the check on length: Collect always wraps exactly 32 random bytes; anything else
    means the wrong key happened to pass OAEP (practically impossible) or a foreign encoder.
    """
    aes_key = _rsa_oaep_decrypt(key, _b64decode(encrypted_key_b64, "base64EncryptedKey"), "base64EncryptedKey")
    if len(aes_key) != AES_KEY_BYTES:
        raise DecryptError(f"unwrapped key is {len(aes_key)} bytes, expected {AES_KEY_BYTES} (AES-256)")
    return aes_key


def derive_ivs(instance_id: str, aes_key: bytes, count: int) -> List[bytes]:
    """Return the IVs of the first ``count`` files, in encryption order.

    Why it works this way: the IV must differ per file under one key but need not be stored,
    so both sides derive it. The seed is MD5(instanceID as UTF-8 bytes, then the raw AES key).
    Before each file the byte at (file index mod 16) is incremented by one, wrapping at 256,
    and the changes accumulate: file 0 has byte 0 bumped, file 1 bytes 0 and 1, ..., file 16
    byte 0 bumped a second time.
    """
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + aes_key).digest())
    ivs = []
    for i in range(count):
        seed[i % AES_BLOCK] = (seed[i % AES_BLOCK] + 1) & 0xFF
        ivs.append(bytes(seed))
    return ivs


# --------------------------------------------------------------------------------------------
# File decryption
# --------------------------------------------------------------------------------------------

def _strip_pkcs7(block: bytes, name: str) -> bytes:
    """Remove PKCS#7 padding from the final 16-byte block.

    Why padding in a stream mode: Collect names "AES/CFB/PKCS5Padding", so the plaintext is
    padded to a whole number of 16-byte blocks (1..16 bytes of value n) before CFB. A bad pad
    almost always means the wrong key/IV (file order, instanceID) or a damaged file.
    """
    pad = block[-1]
    if not 1 <= pad <= AES_BLOCK or block[-pad:] != bytes([pad]) * pad:
        raise DecryptError(
            f"{name}: bad padding after decryption (wrong key, wrong file order or instanceID, "
            f"or the file was altered)")
    return block[:-pad]


def decrypt_stream(src: BinaryIO, size: int, aes_key: bytes, iv: bytes, dst: Optional[BinaryIO],
                   name: str) -> Tuple[str, int]:
    """Decrypt one .enc stream of known size; write plaintext to ``dst``; return (md5hex, length).

    Streams in chunks so a large photo never sits in memory whole; holds back the last 16
    bytes until the end because only the final block carries the padding. The MD5 is of the
    unpadded plaintext, which is what the signature covers.
    """
    if size == 0 or size % AES_BLOCK:
        raise DecryptError(
            f"{name}: {size} bytes is not a positive multiple of 16, so it cannot be "
            f"AES/CFB/PKCS#7 output (truncated or not an ODK encrypted file)")
    dec = Cipher(algorithms.AES(aes_key), CFB(iv)).decryptor()
    md5 = hashlib.md5()
    tail = b""
    remaining = size
    written = 0
    while remaining:
        chunk = src.read(min(READ_CHUNK, remaining))
        if not chunk:
            raise DecryptError(f"{name}: file ended early (changed while reading?)")
        remaining -= len(chunk)
        buf = tail + dec.update(chunk)
        if len(buf) > AES_BLOCK:
            out, tail = buf[:-AES_BLOCK], buf[-AES_BLOCK:]
            md5.update(out)
            written += len(out)
            if dst is not None:
                dst.write(out)
        else:
            tail = buf
    tail += dec.finalize()
    last = _strip_pkcs7(tail, name)
    md5.update(last)
    written += len(last)
    if dst is not None:
        dst.write(last)
    return md5.hexdigest(), written


def signature_source(m: Manifest, file_md5: Sequence[Tuple[str, str]]) -> str:
    """Build the text whose MD5 Collect encrypts as base64EncryptedElementSignature.

    One line per item, each ending in "\\n": form id; version only when present; the base64
    wrapped key exactly as in the manifest; the instanceID; then ``NAME::md5hex`` for each
    media file and the XML, in encryption order, NAME being the file name without ".enc" and
    md5hex the lowercase 32-digit MD5 of that file's plaintext.
    """
    lines = [m.form_id]
    if m.version is not None:
        lines.append(m.version)
    lines.append(m.encrypted_key_b64)
    lines.append(m.instance_id)
    lines.extend(f"{name}::{digest}" for name, digest in file_md5)
    return "".join(line + "\n" for line in lines)


def _open_regular(path: str, max_bytes: int) -> Tuple[BinaryIO, int]:
    """Open a part for reading only if it is a regular file (not a symlink) within the limit.

    O_NOFOLLOW plus fstat on the opened descriptor avoids a check-then-open race.
    """
    base = os.path.basename(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise DecryptError(f"missing file {base} (named in the manifest)") from None
    except OSError as exc:
        raise DecryptError(f"cannot open {base}: {exc.strerror} (symlinks are refused)") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise DecryptError(f"{base} is not a regular file")
    if st.st_size > max_bytes:
        os.close(fd)
        raise DecryptError(f"{base} is {st.st_size} bytes, over the limit of {max_bytes}")
    return os.fdopen(fd, "rb"), st.st_size


@dataclass
class Result:
    files: List[str]          # plaintext names written, in encryption order
    signature: str            # "ok" or "absent"


def decrypt_submission(key_path: str, submission_dir: str, out_dir: str, *,
                       max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                       max_media: int = DEFAULT_MAX_MEDIA_FILES,
                       strict: bool = False, allow_unsigned: bool = False,
                       force: bool = False) -> Result:
    """Decrypt and verify one submission; write plaintext to ``out_dir`` only if all checks pass.

    Why write to temporary files first: plaintext of a submission whose signature fails may
    be forged or corrupt; nothing under its final name should suggest it is good. Temporary
    files are removed on any failure and renamed into place only after the signature matches.
    """
    manifest_path = os.path.join(submission_dir, MANIFEST_NAME)
    fh, size = _open_regular(manifest_path, MAX_MANIFEST_BYTES)
    with fh:
        manifest = parse_manifest(fh.read(size + 1), max_media=max_media, strict=strict)
    if manifest.signature_b64 is None and not allow_unsigned:
        raise DecryptError("manifest has no base64EncryptedElementSignature "
                           "(Collect always writes one; use --allow-unsigned to decrypt anyway)")

    key = load_private_key(key_path)
    aes_key = unwrap_aes_key(key, manifest.encrypted_key_b64)

    order = manifest.media + [manifest.xml_file]
    plain_names = [n[: -len(ENC_SUFFIX)] for n in manifest.media] + [XML_PLAINTEXT_NAME]
    sig_names = [n[: -len(ENC_SUFFIX)] for n in order]  # XML line uses the real name, e.g. submission.xml
    ivs = derive_ivs(manifest.instance_id, aes_key, len(order))

    # Check every part exists before decrypting anything: a missing file is the commonest
    # failure (a split upload not yet complete) and should be reported at once.
    for name in order:
        _open_regular(os.path.join(submission_dir, name), max_file_bytes)[0].close()

    os.makedirs(out_dir, exist_ok=True)
    if not force:
        for name in plain_names:
            if os.path.lexists(os.path.join(out_dir, name)):
                raise DecryptError(f"{os.path.join(out_dir, name)} already exists (use --force to replace)")

    temps: List[str] = []
    try:
        digests: List[Tuple[str, str]] = []
        for enc_name, sig_name, iv in zip(order, sig_names, ivs):
            src, size = _open_regular(os.path.join(submission_dir, enc_name), max_file_bytes)
            fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=out_dir)
            temps.append(tmp)
            with src, os.fdopen(fd, "wb") as dst:
                digest, _ = decrypt_stream(src, size, aes_key, iv, dst, enc_name)
            digests.append((sig_name, digest))

        if manifest.signature_b64 is not None:
            expected = _rsa_oaep_decrypt(
                key, _b64decode(manifest.signature_b64, "base64EncryptedElementSignature"),
                "base64EncryptedElementSignature")
            actual = hashlib.md5(signature_source(manifest, digests).encode("utf-8")).digest()
            if len(expected) != MD5_BYTES or not hmac.compare_digest(expected, actual):
                raise DecryptError(
                    "signature mismatch: the files, names, order, form id/version, key or "
                    "instanceID differ from what was signed")
            verdict = "ok"
        else:
            verdict = "absent"

        for tmp, name in zip(temps, plain_names):
            os.replace(tmp, os.path.join(out_dir, name))
        temps = []
        return Result(files=plain_names, signature=verdict)
    finally:
        for tmp in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# --------------------------------------------------------------------------------------------
# Key generation
# --------------------------------------------------------------------------------------------

def public_key_base64(key: rsa.RSAPrivateKey) -> str:
    """The form's base64RsaPublicKey: base64 (no line breaks) of the SubjectPublicKeyInfo DER.

    Collect feeds the decoded bytes to Java's X509EncodedKeySpec, which is exactly
    SubjectPublicKeyInfo; it is also the body of an openssl "BEGIN PUBLIC KEY" PEM.
    """
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def keygen(out_private: str, bits: int = 2048, force: bool = False) -> str:
    """Create an RSA key pair, write the private key as PKCS#8 PEM (0600), return the public key.

    2048 bits is the default because ODK Central's decryptor accepts only 256-byte RSA
    blocks (lib/util/crypto.js getSubmissionKey), so larger keys would not work there.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(out_private, flags, 0o600)
    except FileExistsError:
        raise DecryptError(f"{out_private} already exists (use --force to replace)") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return public_key_base64(key)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="decrypt_submission.py",
                                description="Independent ODK encrypted-submission decryptor.")
    sub = p.add_subparsers(dest="command", required=True)

    k = sub.add_parser("keygen", help="create an RSA key pair for a form's base64RsaPublicKey")
    k.add_argument("--out-private", required=True, help="where to write the PKCS#8 PEM private key")
    k.add_argument("--bits", type=int, default=2048, choices=(2048, 3072, 4096),
                   help="RSA size (default 2048; ODK Central accepts only 2048)")
    k.add_argument("--force", action="store_true", help="overwrite an existing key file")

    d = sub.add_parser("decrypt", help="decrypt and verify one received submission")
    d.add_argument("--key", required=True, help="RSA private key (PEM or DER, unencrypted)")
    d.add_argument("--submission", required=True, help="directory with submission.xml and the .enc files")
    d.add_argument("--out", required=True, help="directory for the plaintext files")
    d.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES,
                   help=f"largest accepted .enc file (default {DEFAULT_MAX_FILE_BYTES})")
    d.add_argument("--max-media", type=int, default=DEFAULT_MAX_MEDIA_FILES,
                   help=f"most media files accepted (default {DEFAULT_MAX_MEDIA_FILES})")
    d.add_argument("--strict", action="store_true",
                   help="also require the exact manifest shape ODK Collect writes")
    d.add_argument("--allow-unsigned", action="store_true",
                   help="decrypt a manifest without base64EncryptedElementSignature")
    d.add_argument("--force", action="store_true", help="replace existing output files")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "keygen":
            print(keygen(args.out_private, bits=args.bits, force=args.force))
            return 0
        result = decrypt_submission(args.key, args.submission, args.out,
                                    max_file_bytes=args.max_file_bytes, max_media=args.max_media,
                                    strict=args.strict, allow_unsigned=args.allow_unsigned,
                                    force=args.force)
        print(json.dumps({"files": result.files, "signature": result.signature}))
        return 0
    except DecryptError as exc:
        print(f"decrypt_submission: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"decrypt_submission: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
