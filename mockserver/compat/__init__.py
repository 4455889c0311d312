"""Every framework internal the sandbox relies on, in one package: Connexion's, Starlette's and uvicorn's.

Each entry here reaches past a framework's public API (a private attribute, a module constant,
a method meant to be overridden only by the framework itself, the text of a response), one
module per framework. An upgrade that moves one breaks it here, and tests/compat/test_compat.py names
which. Everything else in the project uses public API or this package, through the names below.
"""

from __future__ import annotations

from mockserver.compat.connexion_api import (
    Handler,
    KeySecurity,
    ParameterValidation,
    RememberedRouting,
    Route,
    SandboxApp,
    ScopeApi,
    ScopeValidator,
    ValidatorFactory,
    Verify,
    built_stack,
    routed_operation_id,
)
from mockserver.compat.starlette_cors import CORS_REFUSAL_PREFIX, RefusingCors, cors_refusals
from mockserver.compat.uvicorn_protocol import EnvelopeHttpToolsProtocol, protocol_factory

__all__ = [
    "CORS_REFUSAL_PREFIX",
    "EnvelopeHttpToolsProtocol",
    "Handler",
    "KeySecurity",
    "ParameterValidation",
    "RefusingCors",
    "RememberedRouting",
    "Route",
    "SandboxApp",
    "ScopeApi",
    "ScopeValidator",
    "ValidatorFactory",
    "Verify",
    "built_stack",
    "cors_refusals",
    "protocol_factory",
    "routed_operation_id",
]
