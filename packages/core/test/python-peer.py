#!/usr/bin/python3
"""A Python peer that signs and verifies tokens exactly as the reference `asymmetric_jwt_auth` does
(its tokens.py, keys.py, nonce/base.py and middleware.py, without Django), for the live interop
tests in src/interop/. Needs only PyJWT and cryptography (Debian: python3-jwt python3-cryptography).

    python-peer.py versions                       -> {"python", "executable", "pyjwt", "cryptography"}
    python-peer.py sign   < {"private_key", ...}  -> {"ok": true, "token", "header", "claims", "fingerprint"}
    python-peer.py verify < {"token", ...}        -> {"ok": true, "username", "claims"} | {"ok": false, "error", "errors"}
    python-peer.py batch  < [{"op": "sign" | "verify", ...}, ...]  -> [result, ...]

sign:   private_key   PKCS#8 PEM (RSA or Ed25519)
        username      the `username` claim
        kid           absent: the key's fingerprint (what the reference sends); null: no kid;
                      a string: that kid (a client that computes it differently)
        algorithm     default: the key's first allowed algorithm (RS512 for RSA, EdDSA for Ed25519)
        time          default: int(time.time())
        claims        extra claims, merged over {username, time, nonce}
verify: token, username (the user whose keys these are), keys (public key PEMs or OpenSSH lines),
        tolerance (default 20), now (default time.time())

A refusal is a verdict ({"ok": false}), never an exit status; bad input makes the script fail.
Nonces are not remembered: replay protection is the reference's cache backend, not tested here.
"""

import hashlib
import json
import secrets
import sys
import time

import cryptography
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa


def allowed_algorithms(public_key):
    """keys.py: RSAPublicKey / Ed25519PublicKey.allowed_algorithms (most preferred first)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return ["RS512", "RS384", "RS256"]
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return ["EdDSA"]
    raise TypeError(f"Unknown key type: {public_key}")


def public_pem(public_key):
    """keys.py: PublicKey.as_pem (SubjectPublicKeyInfo PEM, 64-character lines, trailing newline)."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public_key):
    """keys.py: PublicKey.fingerprint."""
    return hashlib.sha256(public_pem(public_key)).hexdigest()


def load_public_key(text):
    """keys.py: PublicKey.load_serialized_public_key (PEM, then OpenSSH)."""
    data = text.encode()
    try:
        key = serialization.load_pem_public_key(data)
    except Exception:  # noqa: BLE001
        key = serialization.load_ssh_public_key(data)
    allowed_algorithms(key)  # refuses other key types
    return key


def sign(request):
    """tokens.py: Token.sign."""
    private_key = serialization.load_pem_private_key(request["private_key"].encode(), password=None)
    if not isinstance(private_key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise TypeError("Unknown key type")
    public_key = private_key.public_key()
    algorithm = request.get("algorithm") or allowed_algorithms(public_key)[0]
    claims = {
        "username": request["username"],
        "time": int(time.time()) if request.get("time") is None else request["time"],
        "nonce": secrets.token_urlsafe(nbytes=8),  # nonce/base.py: BaseNonceBackend.generate_nonce
    }
    claims.update(request.get("claims") or {})
    if "kid" not in request:
        headers = {"kid": fingerprint(public_key)}
    elif request["kid"] is None:
        headers = None
    else:
        headers = {"kid": request["kid"]}
    key_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = jwt.encode(payload=claims, key=key_pem, algorithm=algorithm, headers=headers)
    return {
        "ok": True,
        "token": token,
        "header": jwt.get_unverified_header(token),
        "claims": claims,
        "fingerprint": fingerprint(public_key),
    }


def verify_with_key(token, public_key, tolerance, now):
    """tokens.py: UntrustedToken.verify, minus the nonce cache. Returns (claims, None) or (None, why)."""
    try:
        token_data = jwt.decode(
            jwt=token,
            key=public_pem(public_key).decode(),
            algorithms=allowed_algorithms(public_key),
        )
    except jwt.InvalidTokenError as error:
        return None, f"{type(error).__name__}: {error}"

    claimed_username = token_data.get("username")
    claimed_time = token_data.get("time", 0)
    claimed_nonce = token_data.get("nonce")
    if not claimed_username or not claimed_time or not claimed_nonce:
        return None, "claims: username, time or nonce missing or empty"
    try:
        if claimed_time < now - tolerance or claimed_time > now + tolerance:
            return None, "time: outside the tolerance"
    except TypeError as error:  # the reference raises here (a 500); a refusal all the same
        return None, f"TypeError: {error}"
    return token_data, None


def verify(request):
    """middleware.py: JWTAuthMiddleware.authorize_request with one user's keys."""
    token = request["token"]
    username = request["username"]
    tolerance = request.get("tolerance", 20)
    now = time.time() if request.get("now") is None else request["now"]
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}", "errors": []}
    claimed = unverified.get("username") if isinstance(unverified, dict) else None
    if not isinstance(claimed, str) or not claimed:
        return {"ok": False, "error": "username: no username claim", "errors": []}
    if claimed != username:
        return {"ok": False, "error": f"username: unknown user {claimed!r}", "errors": []}

    # The kid is ignored: every key of the user is tried in turn.
    errors = []
    for text in request["keys"]:
        token_data, why = verify_with_key(token, load_public_key(text), tolerance, now)
        if token_data is not None:
            return {"ok": True, "username": token_data["username"], "claims": token_data}
        errors.append(why)
    # The most telling reason: one past the signature check, if any key got that far.
    telling = [e for e in errors if not e.startswith("InvalidSignatureError")]
    return {"ok": False, "error": (telling or errors or ["no keys"])[0], "errors": errors}


def versions(_request=None):
    return {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "pyjwt": jwt.__version__,
        "cryptography": cryptography.__version__,
    }


OPS = {"sign": sign, "verify": verify, "versions": versions}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in (*OPS, "batch"):
        sys.exit(f"usage: {sys.argv[0]} sign|verify|batch|versions < request.json")
    op = sys.argv[1]
    if op == "versions":
        result = versions()
    elif op == "batch":
        result = [OPS[request["op"]](request) for request in json.load(sys.stdin)]
    else:
        result = OPS[op](json.load(sys.stdin))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
