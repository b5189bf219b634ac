"""A real two-region OpenStack on loopback, for Perspective's tests and demo.

Everything runs from PyPI packages in a virtual environment of its own under
``.microcloud/`` at the repository root, binds to 127.0.0.1 only, and uses the
machine's MariaDB and RabbitMQ. ``scripts/microcloud up|down|status`` drives it.
"""
