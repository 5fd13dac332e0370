"""What every ``appointments`` command shares: its container, and failures
told as one line on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from application.errors import ApplicationError, database_errors
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import SettingsError, load_settings


def make_container() -> Container:
    return bootstrap(load_settings())


@contextmanager
def opened_container() -> Iterator[Container]:
    """The container (projections not started); a bad setting exits 2, an
    application or database failure exits 1, each as one line on stderr."""
    try:
        container = make_container()
    except SettingsError as error:
        fail(str(error), code=2)
    try:
        with one_line_errors():
            yield container
    finally:
        container.close()


@contextmanager
def one_line_errors() -> Iterator[None]:
    try:
        with database_errors():
            yield
    except ApplicationError as error:
        fail(error.message)


def fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(f"appointments: {message}", err=True)
    raise typer.Exit(code=code)
