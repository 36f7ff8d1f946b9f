"""python manage.py rollout_miniprogram <template-id> <user-version> [--desc …] [--only a,b] [--no-poll]
python manage.py rollout_miniprogram <template-id> --poll-only"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenants.publishing.services import CompanyOutcome, RolloutReport, release_rollout, releases_poll

BAR_WIDTH = 30


class Command(BaseCommand):
    help = ("Roll a mini-program template version (from WeChat's template library) out to every active company "
            "whose mini-program authorized the platform: commit with the company's ext_json, submit for review "
            "and release what passed. Continues past failures and lists them; re-running skips companies "
            "already released at this template and resumes the others. --poll-only just checks reviews.")

    def add_arguments(self, parser):
        parser.add_argument("template_id", type=int, help="template_id in the platform's template library")
        parser.add_argument("user_version", nargs="?", default="", help="version shown to the company, e.g. 1.2.0")
        parser.add_argument("--desc", default="", help="user_desc for the commit")
        parser.add_argument("--only", default="", help="comma-separated company slugs (default: all)")
        parser.add_argument("--retry-rejected", action="store_true", help="also recommit releases WeChat rejected")
        parser.add_argument("--no-poll", action="store_true", help="do not ask about reviews after submitting")
        parser.add_argument("--poll-only", action="store_true",
                            help="only ask WeChat about reviews of this template and release passed ones")

    def handle(self, *args, template_id, user_version, desc, only, retry_rejected, no_poll, poll_only, **options):
        if poll_only:
            report = releases_poll(template_id=template_id, on_progress=self._progress)
        else:
            if template_id <= 0 or not 0 < len(user_version.strip()) <= 64 or len(desc) > 200:
                raise CommandError(_("请给出正整数的模板 ID、1–64 个字符的版本号（例如 1.0.0）和不超过 200 字的说明。"))
            slugs = [s.strip() for s in only.split(",") if s.strip()] or None
            report = release_rollout(template_id=template_id, user_version=user_version.strip(), user_desc=desc,
                                     slugs=slugs, retry_rejected=retry_rejected, poll=not no_poll,
                                     on_progress=self._progress)
        self.stderr.write("")
        self._summary(report)
        if report.failed:
            raise CommandError(_("%(n)s 家公司失败（见上）；修正后重新运行同一命令即可继续。")
                               % {"n": len(report.failed)})

    def _progress(self, done: int, total: int, outcome: CompanyOutcome) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        percent = 100 * done // total if total else 100
        self.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done}/{total} "
                          f"{outcome.slug[:20]:<20} {outcome.status:<10}", ending="")
        self.stderr.flush()

    def _summary(self, report: RolloutReport) -> None:
        self.stdout.write(_("已发布 %(r)s，审核中 %(w)s，被驳回 %(j)s，跳过 %(s)s，失败 %(f)s。") % {
            "r": len(report.released), "w": len(report.waiting), "j": len(report.rejected),
            "s": len(report.skipped), "f": len(report.failed)})
        for title, outcomes in ((_("已发布"), report.released), (_("审核中"), report.waiting),
                                (_("被驳回"), report.rejected), (_("跳过"), report.skipped),
                                (_("失败"), report.failed)):
            for o in outcomes:
                detail = " ".join(p for p in (o.code, o.message) if p)
                line = f"  {title} {o.slug}" + (f": {detail}" if detail else "")
                self.stdout.write(self.style.ERROR(line) if outcomes is report.failed else line)
