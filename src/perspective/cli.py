"""The `perspective` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from perspective.errors import ConfigurationError

__all__ = ["main"]

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perspective",
        description="One HTTP API in front of many OpenStack projects and regions.",
    )
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8080, help="TCP port to listen on (default: %(default)s)")
    serve.add_argument(
        "--config",
        help="Perspective settings file (YAML); default: $PERSPECTIVE_CONFIG, else none",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="minimum level of log messages (default: %(default)s)",
    )
    serve.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="text: one readable line per record; json: one JSON object per line (default: %(default)s)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help=(
            "worker processes; each keeps its own inventory unless the inventory"
            " backend is redis (default: %(default)s)"
        ),
    )
    serve.set_defaults(run=_serve)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from perspective.app import create_app
    from perspective.settings import load_settings

    _configure_logging(args.log_level, args.log_format)

    try:
        settings = load_settings(args.config)
        app = create_app(settings) if args.workers == 1 else None
    except ConfigurationError as exc:
        print(f"perspective: {exc.detail}", file=sys.stderr)
        return 2

    if args.workers > 1:
        # Each worker process builds its own app from the same settings file,
        # which uvicorn can only do from an import string.
        if args.config:
            os.environ["PERSPECTIVE_CONFIG"] = args.config
        os.environ["PERSPECTIVE_LOG_LEVEL"] = args.log_level
        os.environ["PERSPECTIVE_LOG_FORMAT"] = args.log_format
        app = "perspective.cli:worker_app"

    logger.info("Perspective listening on http://%s:%d", args.host, args.port)
    # Perspective writes its own access log, with request ids and durations.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=None,
        access_log=False,
        workers=args.workers,
        factory=args.workers > 1,
    )
    logger.info("Perspective stopped")
    return 0


def worker_app():
    """Build the app in a uvicorn worker process started by `serve --workers`."""
    from perspective.app import create_app

    _configure_logging(
        os.environ.get("PERSPECTIVE_LOG_LEVEL", "info"),
        os.environ.get("PERSPECTIVE_LOG_FORMAT", "text"),
    )
    return create_app()


def _configure_logging(level: str, fmt: str) -> None:
    from perspective.logs import configure_logging

    configure_logging(level, fmt)
    # openstacksdk, keystoneauth1 and stevedore log every plugin load and
    # request at DEBUG, which would bury Perspective's own debug lines.
    for name in ("openstack", "keystoneauth", "stevedore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


if __name__ == "__main__":
    sys.exit(main())
