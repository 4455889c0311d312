"""The values an activity's fields take in the sandbox, each tuple in JIM's own order (the order sorting uses)."""

from __future__ import annotations

RUN_PROFILE = "ConnectedSystemRunProfile"

STATUSES = ("InProgress", "Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError", "Cancelled")
"""JIM's ActivityStatus values in declaration order: `sortBy=status` sorts by this order, as JIM does."""

TARGET_TYPES = (
    "ExampleDataTemplate",
    "ConnectedSystem",
    RUN_PROFILE,
    "SynchronisationRule",
    "MetaverseObject",
    "TrustedCertificate",
    "ObjectMatchingRule",
    "MetaverseAttribute",
    "ServiceSetting",
    "HistoryRetentionCleanup",
    "MetaverseObjectType",
    "System",
    "Schedule",
)
"""JIM's ActivityTargetType values in declaration order (the ones the sandbox uses): `sortBy=type` sorts by it."""

OPERATION_TYPES = (
    "Create",
    "Read",
    "Update",
    "Delete",
    "Clear",
    "Execute",
    "ImportHierarchy",
    "ImportSchema",
    "Revert",
    "Reset",
)
INITIATOR_TYPES = ("User", "ApiKey", "System")
RUN_TYPES = ("FullImport", "DeltaImport", "FullSynchronisation", "DeltaSynchronisation", "Export")
CHANGE_TYPES = ("Add", "Update", "Delete")
"""The documented change types: the only ones the sandbox's items carry."""
ERROR_TYPES = (
    "AmbiguousMatch",
    "CouldNotMatchObjectType",
    "MissingExternalIdAttributeValue",
    "DuplicateObject",
    "UnresolvedReference",
    "UnhandledError",
)
"""The error types generated and stored items carry, in JIM's order."""
