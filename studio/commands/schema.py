"""CLI: ``studio schema [--brief]``: the JSON Schema of campaign.yaml or of a brief, for editors."""

from __future__ import annotations

import json

import typer


def schema(brief: bool = typer.Option(False, "--brief", help="Lược đồ của một tin bài (briefs/*.yaml) thay vì "
                                                            "campaign.yaml")):
    """In lược đồ JSON Schema của campaign.yaml (hoặc của tin bài, với --brief), lấy từ mô hình dữ liệu của Studio.

    Trình soạn thảo có YAML language server (VS Code) dùng nó để kiểm tra và gợi ý khi gõ; bản in sẵn ở
    docs/schema/campaign.schema.json và docs/schema/brief.schema.json.
    """
    from ..schema import brief_schema, campaign_schema

    typer.echo(dumps(brief_schema() if brief else campaign_schema()), nl=False)


def dumps(schema: dict) -> str:
    """The schema as it is published: UTF-8 JSON, two-space indent, a final newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
