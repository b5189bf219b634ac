"""Generation of SSH key pairs for keypairs the caller does not bring."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

__all__ = ["GeneratedKey", "generate_key"]

RSA_KEY_BITS = 3072
RSA_PUBLIC_EXPONENT = 65537


@dataclass(frozen=True)
class GeneratedKey:
    """An OpenSSH private key and its public key line."""

    private_key: str
    public_key: str

    def __repr__(self) -> str:
        # Keeps the private key out of logs and tracebacks that print locals.
        return f"GeneratedKey(public_key={self.public_key!r})"


def generate_key(algorithm: str, comment: str) -> GeneratedKey:
    """Generate an `ed25519` or `rsa` key pair in OpenSSH formats, unencrypted."""
    if algorithm == "rsa":
        private = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)
    elif algorithm == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unsupported key algorithm {algorithm!r}")

    private_text = private.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.OpenSSH,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()
    public_text = private.public_key().public_bytes(
        encoding=serialization.Encoding.OpenSSH,
        format=serialization.PublicFormat.OpenSSH,
    ).decode()
    return GeneratedKey(private_key=private_text, public_key=f"{public_text} {comment}")
