"""Helpers shared by CLI commands."""

from __future__ import annotations

import getpass
import json
from typing import Any

import click

from xinyong.audit.log import Actor


def cli_actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(f"cli:{who}", "local")


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def fail(message: str) -> None:
    raise click.ClickException(message)
