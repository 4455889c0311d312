"""The sandbox controls and outer layers, one ASGI layer per module; each is in the stack only when turned on."""
