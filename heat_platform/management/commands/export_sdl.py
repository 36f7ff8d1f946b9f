from pathlib import Path

from django.core.management.base import BaseCommand

SCHEMAS = {
    "platform.graphql": "graphql_api.platform_schema",
    "tenant.graphql": "graphql_api.tenant_schema",
}


def sdl(module: str) -> str:
    from importlib import import_module

    return str(import_module(module).schema).strip() + "\n"


class Command(BaseCommand):
    help = "Write the printed SDL of both GraphQL schemas to graphql_api/*.graphql (committed; a test checks drift)."

    def handle(self, *args, **options):
        out_dir = Path(__file__).resolve().parents[3] / "graphql_api"
        for filename, module in SCHEMAS.items():
            (out_dir / filename).write_text(sdl(module), encoding="utf-8")
            self.stdout.write(f"wrote graphql_api/{filename}")
