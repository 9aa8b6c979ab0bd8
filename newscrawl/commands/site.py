"""`scrapy site [--serve] [--port N] [--site DIR] [OUTPUT_DIR]`: the archive as a website
(newscrawl.site). Exit status 1, after one ERROR, when it cannot be built or served."""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging
from scrapy.utils.ossignal import install_shutdown_handlers

from newscrawl import site
from newscrawl.preflight import check_scrapy_files

logger = logging.getLogger("newscrawl.site")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--serve] [--port N] [--site DIR] [OUTPUT_DIR]"

    def short_desc(self) -> str:
        return "Build the posts into a browsable Hexo site; --serve shows it on 127.0.0.1"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--site", default="site", metavar="DIR",
                            help="the site's folder, laid out anew (default: site)")
        parser.add_argument("--serve", action="store_true",
                            help="serve the built site on 127.0.0.1 until Ctrl-C")
        parser.add_argument("--port", type=int, default=4000, metavar="N",
                            help="port for --serve (default: 4000; 0: any free port)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("give at most one folder of posts")
        settings = self.settings
        assert settings is not None
        check_scrapy_files(settings)
        configure_logging(settings)
        output_dir = Path(args[0] if args else settings.get("OUTPUT_DIR", "output"))
        files_store = settings.get("FILES_STORE", "")
        images = site.images_folder(output_dir, files_store)
        if images is None:
            logger.warning("FILES_STORE %s is not a local folder: the site gets no images "
                           "from it", files_store)
        try:
            built = site.build(
                output_dir, Path(opts.site), images=images,
                images_url=settings.get("DOWNLOAD_IMAGES_URL", "/images/"),
            )
            logger.info("Site built from %s: %d posts, %d images in %s",
                        output_dir, built.posts, built.images, built.public)
            if not opts.serve:
                return
            httpd = site.server(built.public, opts.port)
        except site.SiteError as exc:
            logger.error("%s", exc)
            self.exitcode = 1
            return
        # Ctrl-C or SIGTERM stops serving, also when started by a shell that ignores
        # SIGINT in the background jobs it starts (the process inherits that).
        install_shutdown_handlers(signal.default_int_handler)
        host, port = httpd.server_address[:2]
        logger.info("Serving %s at http://%s:%d/ (Ctrl-C to stop)", built.public, host, port)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            logger.info("Stopped serving")
        finally:
            httpd.server_close()
