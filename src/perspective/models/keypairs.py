"""Nova keypairs, merged across the regions of one cloud."""

from __future__ import annotations

from typing import Annotated, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from perspective.models.common import ItemList

__all__ = [
    "KEYPAIR_NAME_PATTERN",
    "Keypair",
    "KeypairCreate",
    "KeypairCreated",
    "KeypairList",
    "KeypairName",
]

# Nova's rule for keypair names: these characters, 1 to 255 of them.
KEYPAIR_NAME_PATTERN = r"^[A-Za-z0-9 _.@-]{1,255}$"
MAX_PUBLIC_KEY_LENGTH = 16384

KeypairName = Annotated[
    str,
    StringConstraints(pattern=KEYPAIR_NAME_PATTERN),
    Field(
        description=(
            "1 to 255 letters, digits, spaces and `_ - . @`, the characters Nova"
            " accepts in a keypair name."
        ),
        examples=["laptop"],
    ),
]


class KeypairCreate(BaseModel):
    """A keypair to add in every enabled region of one cloud.

    With `public_key`, that key is imported. Without it, Perspective generates
    a key of the given `type` and returns its private key once.
    """

    name: KeypairName
    public_key: str | None = Field(
        default=None,
        max_length=MAX_PUBLIC_KEY_LENGTH,
        description="OpenSSH public key to import, e.g. `ssh-ed25519 AAAA… me@laptop`.",
    )
    type: Literal["ed25519", "rsa"] | None = Field(
        default=None,
        description=(
            "Algorithm of the key to generate when `public_key` is absent;"
            " `ed25519` when unset. RSA keys have 3072 bits."
        ),
    )

    @field_validator("public_key")
    @classmethod
    def _check_public_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        try:
            load_ssh_public_key(value.encode())
        except (ValueError, UnsupportedAlgorithm):
            # The message must not repeat the value: a caller may have pasted
            # a private key here by mistake.
            raise ValueError(
                "not a valid OpenSSH public key; expected one line such as"
                " 'ssh-ed25519 AAAA... comment'"
            ) from None
        return value

    @model_validator(mode="after")
    def _check_type_only_when_generating(self) -> KeypairCreate:
        if self.public_key is not None and self.type is not None:
            raise ValueError(
                "type applies only to a generated key; omit it when public_key is given"
            )
        return self


class Keypair(BaseModel):
    """A keypair of one cloud's user, merged across that cloud's regions."""

    name: str
    cloud: str
    type: str = Field(default="ssh", description="Nova's keypair type, `ssh` or `x509`.")
    regions: list[str] = Field(description="Regions where the keypair exists.")
    missing_regions: list[str] = Field(
        default_factory=list,
        description="Enabled regions that responded and do not have the keypair.",
    )
    fingerprint: str | None = Field(
        default=None, description="Fingerprint, or null when the regions disagree."
    )
    public_key: str | None = Field(
        default=None, description="Public key, or null when the regions disagree."
    )
    fingerprints: dict[str, str] = Field(description="Region -> fingerprint Nova reports there.")
    fingerprints_differ: bool = Field(
        description="True when regions hold different keys under this name."
    )


class KeypairCreated(Keypair):
    """A keypair just added, with its private key if Perspective generated it."""

    private_key: str | None = Field(
        default=None,
        description=(
            "OpenSSH private key of a generated keypair. Returned only in this"
            " response: Perspective does not store it."
        ),
    )


class KeypairList(ItemList[Keypair]):
    """Keypairs of the configured users."""
