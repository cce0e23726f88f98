"""The `ptleads` command line: generate a practice, run the pipeline, serve the app."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from orchestration.settings import REPO_ROOT, Settings, parse_as_of

cli = typer.Typer(
    help="ptleads: lead qualification and nurturing for physical-therapy practices.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@cli.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write inbox/, truth/ and config/ into.")] = Path(
        "data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 1,
    leads: Annotated[int, typer.Option(help="Number of lead episodes.")] = 2000,
    months: Annotated[int, typer.Option(help="Months of history ending at --end.")] = 12,
    clinics: Annotated[int, typer.Option(help="Number of clinics in the practice.")] = 3,
    end: Annotated[str | None, typer.Option(help="Last day of history (YYYY-MM-DD); default today.")] = None,
    max_faxes: Annotated[int | None, typer.Option(help="Cap on fax images (rendering is slow).")] = None,
    config: Annotated[Path, typer.Option(help="Base practice config to extend.")] = REPO_ROOT / "config",
) -> None:
    """Write a realistic synthetic practice: every inbox source in its real format, plus truth/."""
    from orchestration.generator import generate as run_generate

    end_date = date.fromisoformat(end) if end else date.today()
    try:
        summary = run_generate(
            out_dir=out,
            seed=seed,
            n_leads=leads,
            months=months,
            n_clinics=clinics,
            end=end_date,
            max_faxes=max_faxes,
            base_config=config,
            progress=lambda msg: typer.echo(msg, err=True),
        )
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(summary)


@cli.command()
def run(
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder (default data/inbox).")] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB file (default data/warehouse.duckdb).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Practice config folder (default config/).")] = None,
    as_of: Annotated[str | None, typer.Option(help="Replay as of this ISO time; default now.")] = None,
) -> None:
    """One full pipeline pass in-process: ingest, dbt, score, next actions, publish."""
    from orchestration.pipeline import PipelineError, run_pipeline

    settings = Settings().with_overrides(
        inbox=inbox, warehouse=warehouse, config_dir=config, as_of=parse_as_of(as_of) if as_of else None
    )
    try:
        result = run_pipeline(settings, progress=lambda msg: typer.echo(msg, err=True))
    except PipelineError as exc:
        _fail(str(exc))
    typer.echo(result)


@cli.command()
def app(
    warehouse: Annotated[
        Path | None, typer.Option(help="Warehouse whose published snapshot to serve.")
    ] = None,
    inbox: Annotated[
        Path | None,
        typer.Option(
            help="Inbox the pipeline reads (default data/inbox): staff outcomes, fax corrections "
            "and re-queued files go here, so give the same one as `ptleads run --inbox`."
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Practice config folder (default config/), as for `ptleads run`.")
    ] = None,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
) -> None:
    """Serve the Streamlit app against the published snapshot."""
    settings = Settings().with_overrides(warehouse=warehouse, inbox=inbox, config_dir=config)
    if not settings.snapshot.exists():
        _fail(f"no published snapshot at {settings.snapshot}; run `ptleads run` first")
    env = {**os.environ, **settings.export_env()}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "app" / "streamlit_app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    raise typer.Exit(subprocess.call(cmd, env=env))


@cli.command()
def train(
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB file (default data/warehouse.duckdb).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Practice config folder (default config/).")] = None,
    rollback: Annotated[bool, typer.Option(help="Point champion back at the previous champion.")] = False,
) -> None:
    """Retrain the lead-scoring models on the warehouse, gate the challenger, report (no network)."""
    import duckdb

    from ml.promotion import rollback as rollback_champion
    from ml.train import train as run_training
    from orchestration.resources import warehouse_lock

    settings = Settings().with_overrides(warehouse=warehouse, config_dir=config)
    if rollback:
        try:
            typer.echo(f"champion rolled back to version {rollback_champion(settings)}")
        except LookupError as exc:
            _fail(str(exc))
        return
    if not settings.warehouse.exists():
        _fail(f"no warehouse at {settings.warehouse}; run `ptleads run` first")
    # Queue behind a running pipeline like `run` and `push` (DuckDB has one writer per file).
    typer.echo("taking the warehouse lock (waits while a pipeline run or push writes)", err=True)
    with warehouse_lock(settings.warehouse):
        try:
            con = duckdb.connect(str(settings.warehouse), config=settings.duckdb_config())
        except duckdb.IOException:
            # Held by a process that does not take our lock (a duckdb shell, a notebook): say so in one line.
            _fail(f"warehouse {settings.warehouse} is open in another process; close it and retry")
        try:
            report = run_training(con, settings, force=True)
        finally:
            con.close()
    if report.version is None:
        typer.echo(f"no model trained: {report.skipped}")
        return
    for family, metrics in report.candidates.items():
        typer.echo(
            f"{family:>17}: holdout AUC {metrics['auc']:.3f}, PR-AUC {metrics['pr_auc']:.3f}, "
            f"Brier {metrics['brier']:.3f}, ECE {metrics['ece']:.3f}, "
            f"top-decile lift {metrics['lift_top_decile']:.2f}"
        )
    typer.echo(f"registered version {report.version} ({report.family}) as {report.alias}")
    if report.gate is not None:
        typer.echo(f"promotion gate: {report.gate.verdict}: {report.gate.reason}")
    if report.no_show_version:
        typer.echo(
            f"no-show model version {report.no_show_version}: holdout AUC {report.no_show_metrics['auc']:.3f}"
        )


@cli.command()
def push(
    warehouse: Annotated[Path | None, typer.Option(help="Warehouse holding marts.call_list.")] = None,
    clinic: Annotated[str | None, typer.Option(help="Only this clinic id.")] = None,
    csv_dir: Annotated[Path | None, typer.Option(help="Write one CSV per clinic/owner here.")] = None,
    smtp_host: Annotated[str | None, typer.Option(help="SMTP server for email to staff.")] = None,
    smtp_port: Annotated[int, typer.Option(help="SMTP port.")] = 25,
    starttls: Annotated[bool, typer.Option(help="Upgrade the SMTP connection with STARTTLS.")] = False,
    smtp_user: Annotated[
        str | None, typer.Option(help="SMTP login; the password is read from PTLEADS_SMTP_PASSWORD.")
    ] = None,
    sender: Annotated[str, typer.Option(help="From address.")] = "ptleads@localhost",
    to: Annotated[list[str] | None, typer.Option(help="Staff address (repeatable).")] = None,
    webhook: Annotated[str | None, typer.Option(help="POST the list as JSON to this URL.")] = None,
) -> None:
    """Push the day's call list (marts.call_list) by CSV, email and/or webhook; log in push_log."""
    import duckdb

    from orchestration.actions.call_list import CallListRow
    from orchestration.actions.push import push_csv, push_email, push_webhook, record_pushes
    from orchestration.resources import warehouse_lock

    settings = Settings().with_overrides(warehouse=warehouse)
    with warehouse_lock(settings.warehouse):
        con = duckdb.connect(str(settings.warehouse), config=settings.duckdb_config())
        try:
            names = ", ".join(CallListRow.__dataclass_fields__)
            rows = [
                CallListRow(*r)
                for r in con.execute(
                    f"select {names} from marts.call_list order by clinic_id, owner_role, rank"
                ).fetchall()
                if clinic is None or r[1] == clinic  # clinic_id (the contract's second column)
            ]
            as_of = settings.as_of.replace(tzinfo=None)
            records = []
            if csv_dir is not None:
                records += push_csv(rows, csv_dir, as_of)
            if smtp_host is not None:
                records += push_email(
                    rows,
                    as_of,
                    host=smtp_host,
                    port=smtp_port,
                    sender=sender,
                    recipients=to or [],
                    starttls=starttls,
                    username=smtp_user,
                    password=os.environ.get("PTLEADS_SMTP_PASSWORD"),
                )
            if webhook is not None:
                records += push_webhook(rows, as_of, webhook)
            record_pushes(con, records)
        finally:
            con.close()
    failed = [r for r in records if r.status != "ok"]
    typer.echo(f"pushed {len(rows)} rows in {len(records)} pushes ({len(failed)} failed)")
    if failed:
        raise typer.Exit(code=1)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
