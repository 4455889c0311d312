"""JIM Activities API sandbox: a Connexion app kept to openapi.yaml."""

import warnings

# Connexion 3.3 imports starlette.testclient at import time; Starlette 1.x warns there when the
# `httpx` it finds is not `httpx2`. Nothing of ours uses that client, so the warning is noise.
warnings.filterwarnings(
    "ignore",
    message=r"Using `httpx` with `starlette.testclient` is deprecated",
)
