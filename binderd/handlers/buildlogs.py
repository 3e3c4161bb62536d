"""`/logs/<id>` and `/logs/<id>.txt`: kept build logs, as a page and as plain text.

The text answer starts at the byte `offset` the client already has and says in
`X-Build-Finished` whether more will come, so the page can follow a running build.
"""

from __future__ import annotations

import time

from binderd.handlers.base import BaseHandler
from binderd.handlers.pages import NotFoundPageHandler, PageHandler


class BuildLogPageHandler(PageHandler):
    template = "buildlog.html"
    page = "log"

    def page_config(self) -> dict:
        return {**super().page_config(), "logRawUrl": f"{self.binder.base_url}logs/{self.path_args[0]}.txt"}

    async def get(self, log_id: str) -> None:
        chunk = await self.binder.build_logs.read(log_id, offset=0)
        if chunk is None:
            self.template, self.page = NotFoundPageHandler.template, NotFoundPageHandler.page
            self.render_page(404, message="There is no build log here: the link is wrong, or the log has expired.")
            return
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(chunk.info.started))
        self.render_page(info=chunk.info, started=started, raw_url=f"{self.binder.base_url}logs/{log_id}.txt")


class BuildLogTextHandler(BaseHandler):
    async def get(self, log_id: str) -> None:
        try:
            offset = max(0, int(self.get_argument("offset", "0")))
        except ValueError:
            offset = 0
        chunk = await self.binder.build_logs.read(log_id, offset=offset)
        if chunk is None:
            self.set_status(404)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("No such build log (the link is wrong, or the log has expired).\n")
            return
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-cache" if not chunk.finished else "public, max-age=3600")
        self.set_header("X-Build-Finished", "true" if chunk.finished else "false")
        self.set_header("X-Build-Outcome", chunk.info.outcome)
        self.finish(chunk.text)
