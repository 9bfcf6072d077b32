"""Tests for decrypt_submission.py.

Run: python3 -m unittest discover -s tools/crypto -p 'test_*.py'

(a) Public fixtures nobody here wrote: two submissions made by ODK Collect and kept in
    getodk/briefcase's test resources (with their private key and, for the photos, Briefcase's
    own plaintext copies, recorded here as SHA-256), and the Collect v1.22.4 data and test
    vectors from getodk/central-backend. See test-fixtures/encryption/SOURCE.md.
(b) A wrong private key must fail with exit status 1.
(c) Tampered .enc files, signature, manifest fields, and hostile manifests must fail.

The small encryptor near the end of this file is TEST SCAFFOLDING ONLY, written from the
specification (ADR 0014 / getodk xforms-spec "Encryption"). It exists so that failure cases and
corner cases the public fixtures lack (many files, IV wrap-around, empty files, a version
attribute) can be produced; it is not used by, and must not be used as, production code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sympadding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import decrypt_submission as ds  # noqa: E402

TOOL = os.path.join(HERE, "decrypt_submission.py")
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(REPO, "test-fixtures", "encryption")
BRIEFCASE_KEY = os.path.join(FIX, "briefcase", "encrypted-form-key.pem")
BRIEFCASE_PLAIN = os.path.join(FIX, "briefcase", "encrypted-form")
BRIEFCASE_MEDIA = os.path.join(FIX, "briefcase", "encrypted-form-media")
CENTRAL = os.path.join(FIX, "central-backend")

# SHA-256 of Briefcase's plaintext copies of the two photos
# (test/resources/org/opendatakit/briefcase/export/encrypted-form-media-media/*.jpg).
BRIEFCASE_PHOTO_SHA256 = {
    "1538040007350.jpg": "9c3041290f1d997fc2e3fd1462919bcb406d3fa2719f8f10089a0da614cc44ac",
    "1538040019351.jpg": "5579cf514ca5fc34e037509c1f573eb30c1291235ad43a0c3427a58ec4ecf4eb",
}


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=300)


def sha256_file(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


class TempDirCase(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="decrypt-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def copy_fixture(self, src: str) -> str:
        dst = os.path.join(self.tmp, "in-" + os.path.basename(src))
        shutil.copytree(src, dst)
        return dst

    def out(self, name: str = "out") -> str:
        return os.path.join(self.tmp, name)

    def decrypt(self, key: str, sub: str, *extra: str, out: Optional[str] = None):
        return run_tool("decrypt", "--key", key, "--submission", sub, "--out", out or self.out(), *extra)

    def assert_fails(self, proc: subprocess.CompletedProcess, *needles: str, out: Optional[str] = None) -> None:
        self.assertEqual(proc.returncode, 1, msg=f"stdout={proc.stdout!r} stderr={proc.stderr!r}")
        self.assertEqual(proc.stdout, "")
        self.assertTrue(proc.stderr.startswith("decrypt_submission: error: "), proc.stderr)
        for needle in needles:
            self.assertIn(needle, proc.stderr)
        out = out or self.out()
        if os.path.isdir(out):  # never leave plaintext (final or partial) behind on failure
            self.assertEqual(os.listdir(out), [], "plaintext left behind after a failure")


# ------------------------------------------------------------------------------------------
# (a) public fixtures
# ------------------------------------------------------------------------------------------

class PublicFixtureTest(TempDirCase):
    def test_briefcase_submission_without_media(self) -> None:
        proc = self.decrypt(BRIEFCASE_KEY, BRIEFCASE_PLAIN)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), {"files": ["submission.xml"], "signature": "ok"})
        with open(os.path.join(self.out(), "submission.xml"), encoding="utf-8") as fh:
            xml = fh.read()
        # Briefcase's expected CSV for this submission: name=Guillermo, isValidated=true.
        self.assertIn("<name>Guillermo</name>", xml)
        self.assertIn("uuid:494cd080-3bf4-47be-b40f-c706a950d58a", xml)

    def test_briefcase_submission_with_two_photos(self) -> None:
        proc = self.decrypt(BRIEFCASE_KEY, BRIEFCASE_MEDIA)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), {
            "files": ["1538040007350.jpg", "1538040019351.jpg", "submission.xml"], "signature": "ok"})
        for name, digest in BRIEFCASE_PHOTO_SHA256.items():
            self.assertEqual(sha256_file(os.path.join(self.out(), name)), digest, name)
        with open(os.path.join(self.out(), "submission.xml"), encoding="utf-8") as fh:
            xml = fh.read()
        self.assertIn("<image1>1538040019351.jpg</image1>", xml)
        self.assertIn("<image2>1538040007350.jpg</image2>", xml)

    def test_briefcase_manifest_is_not_collect_shape(self) -> None:
        # Briefcase stores Aggregate's rewrite (spec namespace, extra attributes): fine in the
        # default mode, rejected by --strict, which checks our encoder against Collect's shape.
        proc = self.decrypt(BRIEFCASE_KEY, BRIEFCASE_PLAIN, "--strict")
        self.assert_fails(proc, "--strict", "root namespace")

    def test_central_iv_vectors(self) -> None:
        with open(os.path.join(CENTRAL, "vectors.json"), encoding="utf-8") as fh:
            vec = json.load(fh)["iv_generation"]
        key = base64.b64decode(vec["aes_key_base64"])
        ivs = ds.derive_ivs(vec["instanceID"], key, 32)
        for index, hexiv in vec["ivs_hex_by_index"].items():
            self.assertEqual(ivs[int(index)].hex(), hexiv, f"IV {index}")

    def test_central_key_unwrap_vector(self) -> None:
        with open(os.path.join(CENTRAL, "vectors.json"), encoding="utf-8") as fh:
            vec = json.load(fh)["key_retrieval"]
        key = ds.load_private_key(os.path.join(CENTRAL, "priv.pem"))
        self.assertEqual(ds.unwrap_aes_key(key, vec["base64EncryptedKey"]),
                         base64.b64decode(vec["aes_key_base64"]))

    def test_central_collect_1_22_4_submission_xml(self) -> None:
        # The photo of this Collect v1.22.4 submission was never published, so the signature
        # cannot be checked; the XML (encrypted second, IV index 1) can, against the plaintext
        # central-backend's test expects.
        sub = os.path.join(CENTRAL, "collect-1.22.4")
        with open(os.path.join(sub, "submission.xml"), "rb") as fh:
            manifest = ds.parse_manifest(fh.read())
        self.assertEqual((manifest.form_id, manifest.version), ("encrypted", "working3"))
        self.assertEqual(manifest.media, ["1561432532482.jpg.enc"])
        key = ds.load_private_key(os.path.join(CENTRAL, "priv.pem"))
        aes = ds.unwrap_aes_key(key, manifest.encrypted_key_b64)
        ivs = ds.derive_ivs(manifest.instance_id, aes, 2)
        path = os.path.join(sub, manifest.xml_file)
        out = os.path.join(self.tmp, "plain.xml")
        with open(path, "rb") as src, open(out, "wb") as dst:
            ds.decrypt_stream(src, os.path.getsize(path), aes, ivs[1], dst, manifest.xml_file)
        with open(out, "rb") as a, open(os.path.join(sub, "expected-submission.xml"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_central_submission_with_missing_photo_fails(self) -> None:
        proc = self.decrypt(os.path.join(CENTRAL, "priv.pem"), os.path.join(CENTRAL, "collect-1.22.4"))
        self.assert_fails(proc, "missing file 1561432532482.jpg.enc")


# ------------------------------------------------------------------------------------------
# (b) wrong key, keygen
# ------------------------------------------------------------------------------------------

class KeyTest(TempDirCase):
    def test_keygen_writes_pkcs8_and_prints_spki(self) -> None:
        priv = os.path.join(self.tmp, "priv.pem")
        proc = run_tool("keygen", "--out-private", priv)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(priv, "rb") as fh:
            pem = fh.read()
        self.assertTrue(pem.startswith(b"-----BEGIN PRIVATE KEY-----"))  # PKCS#8, unencrypted
        self.assertEqual(os.stat(priv).st_mode & 0o777, 0o600)
        pub_b64 = proc.stdout.strip()
        self.assertNotIn("\n", pub_b64)
        pub = serialization.load_der_public_key(base64.b64decode(pub_b64, validate=True))
        self.assertIsInstance(pub, rsa.RSAPublicKey)
        self.assertEqual(pub.key_size, 2048)
        key = serialization.load_pem_private_key(pem, password=None)
        self.assertEqual(pub.public_numbers(), key.public_key().public_numbers())
        # Refuses to overwrite.
        again = run_tool("keygen", "--out-private", priv)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already exists", again.stderr)

    def test_wrong_private_key_fails(self) -> None:
        other = os.path.join(self.tmp, "other.pem")
        self.assertEqual(run_tool("keygen", "--out-private", other).returncode, 0)
        proc = self.decrypt(other, BRIEFCASE_MEDIA)
        self.assert_fails(proc, "wrong private key")

    def test_wrong_key_size_fails(self) -> None:
        other = os.path.join(self.tmp, "other.pem")
        self.assertEqual(run_tool("keygen", "--out-private", other, "--bits", "3072").returncode, 0)
        self.assert_fails(self.decrypt(other, BRIEFCASE_PLAIN), "wrong private key")

    def test_not_a_key_fails(self) -> None:
        bogus = os.path.join(self.tmp, "bogus.pem")
        with open(bogus, "w") as fh:
            fh.write("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        self.assert_fails(self.decrypt(bogus, BRIEFCASE_PLAIN), "not a readable private key")


# ------------------------------------------------------------------------------------------
# (c) tampering with the public fixture
# ------------------------------------------------------------------------------------------

def _rewrite(path: str, old: bytes, new: bytes) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    assert old in data, (path, old)
    with open(path, "wb") as fh:
        fh.write(data.replace(old, new, 1))


def _flip(path: str, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([b[0] ^ 0x01]))


class TamperTest(TempDirCase):
    def test_flipped_byte_inside_photo_fails_signature(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_MEDIA)
        _flip(os.path.join(sub, "1538040007350.jpg.enc"), 500_000)
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "signature mismatch")

    def test_flipped_last_byte_of_xml_fails(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        path = os.path.join(sub, "submission.xml.enc")
        _flip(path, os.path.getsize(path) - 1)
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub))  # bad padding or bad signature

    def test_truncated_file_fails(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        path = os.path.join(sub, "submission.xml.enc")
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) - 5)
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "not a positive multiple of 16")

    def test_forged_signature_fails(self) -> None:
        # A well-formed signature under the right public key, of the wrong digest.
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        key = ds.load_private_key(BRIEFCASE_KEY)
        forged = base64.b64encode(key.public_key().encrypt(hashlib.md5(b"other").digest(), ds.OAEP))
        manifest = os.path.join(sub, "submission.xml")
        with open(manifest, "rb") as fh:
            old = fh.read().split(b"<base64EncryptedElementSignature>")[1].split(b"<")[0]
        _rewrite(manifest, old, forged)
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "signature mismatch")

    def test_garbled_signature_fails(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        _rewrite(os.path.join(sub, "submission.xml"), b"<base64EncryptedElementSignature>y6C9",
                 b"<base64EncryptedElementSignature>z6C9")
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "base64EncryptedElementSignature")

    def test_missing_signature_fails_unless_allowed(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        manifest = os.path.join(sub, "submission.xml")
        with open(manifest, "rb") as fh:
            data = fh.read()
        start = data.index(b"<base64EncryptedElementSignature>")
        end = data.index(b"</base64EncryptedElementSignature>") + len(b"</base64EncryptedElementSignature>")
        with open(manifest, "wb") as fh:
            fh.write(data[:start] + data[end:])
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "no base64EncryptedElementSignature")
        proc = self.decrypt(BRIEFCASE_KEY, sub, "--allow-unsigned", out=self.out("unsigned"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["signature"], "absent")

    def test_added_version_fails_signature(self) -> None:
        # The version is part of the signed text, so inventing one must be detected.
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        _rewrite(os.path.join(sub, "submission.xml"), b'id="encrypted-form"', b'id="encrypted-form" version="2"')
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "signature mismatch")

    def test_changed_form_id_fails_signature(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        _rewrite(os.path.join(sub, "submission.xml"), b'id="encrypted-form"', b'id="encrypted-form2"')
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "signature mismatch")

    def test_changed_instance_id_fails(self) -> None:
        # The instanceID seeds the IVs: the XML decrypts to garbage (bad padding) or, rarely,
        # to a valid pad and then a mismatched signature.
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        _rewrite(os.path.join(sub, "submission.xml"), b"<n0:instanceID>uuid:494cd080",
                 b"<n0:instanceID>uuid:494cd081")
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub))

    def test_swapped_media_order_fails(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_MEDIA)
        manifest = os.path.join(sub, "submission.xml")
        _rewrite(manifest, b"1538040007350.jpg.enc", b"PLACEHOLDER")
        _rewrite(manifest, b"1538040019351.jpg.enc", b"1538040007350.jpg.enc")
        _rewrite(manifest, b"PLACEHOLDER", b"1538040019351.jpg.enc")
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub))

    def test_swapped_enc_files_fail(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_MEDIA)
        a, b = (os.path.join(sub, n) for n in ("1538040007350.jpg.enc", "1538040019351.jpg.enc"))
        os.rename(a, a + ".tmp")
        os.rename(b, a)
        os.rename(a + ".tmp", b)
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub))

    def test_missing_media_fails(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_MEDIA)
        os.unlink(os.path.join(sub, "1538040019351.jpg.enc"))
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "missing file 1538040019351.jpg.enc")

    def test_missing_manifest_fails(self) -> None:
        sub = self.copy_fixture(BRIEFCASE_PLAIN)
        os.unlink(os.path.join(sub, "submission.xml"))
        self.assert_fails(self.decrypt(BRIEFCASE_KEY, sub), "missing file submission.xml")


# ------------------------------------------------------------------------------------------
# TEST SCAFFOLDING ONLY: a minimal encryptor written from the spec, to build inputs the public
# fixtures lack. Produces the manifest bytes exactly as Collect lays them out (ADR 0014).
# ------------------------------------------------------------------------------------------

_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def scaffold_encrypt(pub: rsa.RSAPublicKey, form_id: str, version: Optional[str], instance_id: str,
                     media: Sequence[Tuple[str, bytes]], xml: bytes,
                     aes_key: Optional[bytes] = None) -> Dict[str, bytes]:
    """Return {file name: bytes} for a submission directory: submission.xml (the manifest) and
    one NAME.enc per media file plus submission.xml.enc. Test scaffolding, not production."""
    key = aes_key or os.urandom(32)
    wrapped = base64.b64encode(pub.encrypt(key, _OAEP)).decode()
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())
    out: Dict[str, bytes] = {}
    lines = [form_id] + ([version] if version else []) + [wrapped, instance_id]
    for i, (name, data) in enumerate(list(media) + [("submission.xml", xml)]):
        seed[i % 16] = (seed[i % 16] + 1) % 256
        padder = sympadding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        enc = Cipher(algorithms.AES(key), ds.CFB(bytes(seed))).encryptor()
        out[name + ".enc"] = enc.update(padded) + enc.finalize()
        lines.append(f"{name}::{hashlib.md5(data).hexdigest()}")
    digest = hashlib.md5("".join(l + "\n" for l in lines).encode("utf-8")).digest()
    signature = base64.b64encode(pub.encrypt(digest, _OAEP)).decode()
    ver = f" version={quoteattr(version)}" if version else ""
    manifest = (
        f'<data id={quoteattr(form_id)}{ver} encrypted="yes" xmlns="http://www.opendatakit.org/xforms/encrypted">'
        f"<base64EncryptedKey>{wrapped}</base64EncryptedKey>"
        f'<orx:meta xmlns:orx="http://openrosa.org/xforms"><orx:instanceID>{escape(instance_id)}</orx:instanceID></orx:meta>\n'
        + "".join(f"<media><file>{escape(name)}.enc</file></media>\n" for name, _ in media)
        + "<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature></data>")
    out["submission.xml"] = manifest.encode("utf-8")
    return out


class ScaffoldTest(TempDirCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.keydir = tempfile.mkdtemp(prefix="decrypt-test-key-")
        cls.key_path = os.path.join(cls.keydir, "k.pem")
        proc = run_tool("keygen", "--out-private", cls.key_path)
        assert proc.returncode == 0, proc.stderr
        cls.pub = ds.load_private_key(cls.key_path).public_key()

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.keydir, True)

    def write_sub(self, files: Dict[str, bytes], name: str = "sub") -> str:
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        for n, data in files.items():
            with open(os.path.join(d, n), "wb") as fh:
                fh.write(data)
        return d

    def test_many_files_wrap_iv_counter_and_collect_shape(self) -> None:
        # 18 media files: file 16 and 17 bump seed bytes 0 and 1 a second time.
        media: List[Tuple[str, bytes]] = [(f"p{i:02d}.jpg", os.urandom(i * 7)) for i in range(17)]
        media.append(("exact-block.bin", b"x" * 32))  # whole blocks: a full block of padding
        xml = "<data id=\"f\"><n>Ñoño ✓</n></data>".encode("utf-8")
        files = scaffold_encrypt(self.pub, "f&amp", "2026120201 β", "uuid:Ω-1", media, xml)
        sub = self.write_sub(files)
        proc = self.decrypt(self.key_path, sub, "--strict")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["files"], [n for n, _ in media] + ["submission.xml"])
        for name, data in media + [("submission.xml", xml)]:
            with open(os.path.join(self.out(), name), "rb") as fh:
                self.assertEqual(fh.read(), data, name)
        self.assertEqual(media[0][1], b"")  # the empty file survived too

    def test_no_version_means_no_version_line(self) -> None:
        files = scaffold_encrypt(self.pub, "f", None, "uuid:1", [], b"<d/>")
        self.assertNotIn(b"version=", files["submission.xml"])
        proc = self.decrypt(self.key_path, self.write_sub(files), "--strict")
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_blank_version_attribute_counts_as_absent(self) -> None:
        files = scaffold_encrypt(self.pub, "f", None, "uuid:1", [], b"<d/>")
        files["submission.xml"] = files["submission.xml"].replace(b'id="f"', b'id="f" version=" "')
        proc = self.decrypt(self.key_path, self.write_sub(files))
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_strict_rejects_reordered_manifest(self) -> None:
        files = scaffold_encrypt(self.pub, "f", "1", "uuid:1", [("a.jpg", b"a")], b"<d/>")
        m = files["submission.xml"].decode()
        enc_xml = "<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        m = m.replace(enc_xml, "").replace("<base64EncryptedKey>", enc_xml + "<base64EncryptedKey>")
        files["submission.xml"] = m.encode()
        sub = self.write_sub(files)
        self.assert_fails(self.decrypt(self.key_path, sub, "--strict"), "element order")
        ok = self.decrypt(self.key_path, sub, out=self.out("lenient"))
        self.assertEqual(ok.returncode, 0, ok.stderr)

    def test_strict_ignores_declaration_attribute_order_and_line_feeds(self) -> None:
        # XML-level details no receiver sees: an XML declaration, xmlns before id, no line feeds.
        files = scaffold_encrypt(self.pub, "f", "3", "uuid:x", [("a.jpg", b"abc")], b"<d/>")
        m = files["submission.xml"].decode().replace("\n", "").replace(
            '<data id="f" version="3" encrypted="yes" xmlns="http://www.opendatakit.org/xforms/encrypted">',
            "<?xml version='1.0' encoding='UTF-8' ?>"
            '<data xmlns="http://www.opendatakit.org/xforms/encrypted" id="f" version="3" encrypted="yes">')
        files["submission.xml"] = m.encode()
        proc = self.decrypt(self.key_path, self.write_sub(files), "--strict")
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_output_exists_needs_force(self) -> None:
        files = scaffold_encrypt(self.pub, "f", "1", "uuid:1", [], b"<d/>")
        sub = self.write_sub(files)
        os.makedirs(self.out())
        with open(os.path.join(self.out(), "submission.xml"), "w") as fh:
            fh.write("old")
        proc = self.decrypt(self.key_path, sub)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("already exists", proc.stderr)
        self.assertEqual(self.decrypt(self.key_path, sub, "--force").returncode, 0)

    # ---- hostile manifests and parts -------------------------------------------------------

    def hostile(self, mutate, *needles: str, extra: Sequence[str] = ()) -> None:
        files = scaffold_encrypt(self.pub, "f", "1", "uuid:1", [("a.jpg", b"aaaa")], b"<d/>")
        mutate(files)
        sub = self.write_sub(files)
        self.assert_fails(self.decrypt(self.key_path, sub, *extra), *needles)

    def test_path_traversal_name_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(b"<file>a.jpg.enc", b"<file>../a.jpg.enc")
        self.hostile(m, "not a plain file name")

    def test_dot_name_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(b"<file>a.jpg.enc", b"<file>.enc")
        self.hostile(m, "starts with a dot")

    def test_media_named_like_submission_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(b"<file>a.jpg.enc", b"<file>submission.xml.enc")
        self.hostile(m, "twice")

    def test_doctype_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = (b'<?xml version="1.0"?><!DOCTYPE data [<!ENTITY x "xx">]>'
                                   + f["submission.xml"])
        self.hostile(m, "DOCTYPE")

    def test_duplicate_key_element_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(
                b"<encryptedXmlFile>", b"<base64EncryptedKey>AAAA</base64EncryptedKey><encryptedXmlFile>")
        self.hostile(m, "exactly one")

    def test_not_encrypted_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(b'encrypted="yes"', b'encrypted="no"')
        self.hostile(m, 'encrypted="yes"')

    def test_unknown_namespace_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(
                b"http://www.opendatakit.org/xforms/encrypted", b"urn:evil")
        self.hostile(m, "manifest root")

    def test_not_xml_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = b"\x00\x01garbage"
        self.hostile(m, "not well-formed")

    def test_file_over_limit_rejected(self) -> None:
        def m(f):
            f["a.jpg.enc"] = f["a.jpg.enc"] * 100
        self.hostile(m, "over the limit", extra=("--max-file-bytes", "1000"))

    def test_symlinked_part_rejected(self) -> None:
        files = scaffold_encrypt(self.pub, "f", "1", "uuid:1", [("a.jpg", b"aaaa")], b"<d/>")
        sub = self.write_sub(files)
        real = os.path.join(self.tmp, "elsewhere.enc")
        os.rename(os.path.join(sub, "a.jpg.enc"), real)
        os.symlink(real, os.path.join(sub, "a.jpg.enc"))
        self.assert_fails(self.decrypt(self.key_path, sub), "a.jpg.enc")

    def test_too_many_media_rejected(self) -> None:
        def m(f):
            f["submission.xml"] = f["submission.xml"].replace(
                b"<encryptedXmlFile>", b"<media><file>b.enc</file></media>" * 5 + b"<encryptedXmlFile>")
        self.hostile(m, "more than", extra=("--max-media", "3"))


if __name__ == "__main__":
    unittest.main()
