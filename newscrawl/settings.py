"""Scrapy settings for newscrawl. Every project setting has its default here; override
any of them with `-s NAME=VALUE`. See the README for what each one does."""

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "newscrawl.commands"

# --- where things go -----------------------------------------------------------------
OUTPUT_DIR = "output"
STATE_ENABLED = True
STATE_PATH = ""  # default: OUTPUT_DIR/.newscrawl/state.sqlite3
STATE_LOCK_TIMEOUT = 0  # seconds a second crawl waits for the state before refusing
CHANNELS_FILE = ""  # default: the channels.yaml shipped in the package

# --- the posts -------------------------------------------------------------------------
POST_AUTHOR = "新浪财经"
HEADIMG_DEFAULT = ""
ARTICLE_HOSTS = ["sina.com.cn", "sina.cn", "sina.com"]

ITEM_PIPELINES = {
    "newscrawl.pipelines.CleanBodyPipeline": 100,
    "newscrawl.pipelines.HeaderImagePipeline": 200,
    "newscrawl.pipelines.ValidatePipeline": 300,
    "newscrawl.pipelines.WritePostPipeline": 400,
}
FEED_EXPORTERS = {"frontmatter": "newscrawl.exporters.FrontMatterItemExporter"}
EXTENSIONS = {
    "newscrawl.store.StateStore": 100,
    "newscrawl.stats.RunSummary": 200,
}

# --- politeness and resilience ---------------------------------------------------------
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0 Safari/537.36"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Referer": "https://finance.sina.com.cn/",
}
ROBOTSTXT_OBEY = False  # Sina's robots.txt; set True to obey it (see README)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # no article page is anywhere near this
DOWNLOAD_WARNSIZE = 0
HTTPCACHE_ENABLED = False  # -s HTTPCACHE_ENABLED=1 while developing

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
