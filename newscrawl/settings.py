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
    "newscrawl.pipelines.HeaderImagePipeline": 200,
    "newscrawl.images.ArticleImagesPipeline": 250,  # only with DOWNLOAD_IMAGES
    "newscrawl.pipelines.ValidatePipeline": 300,
    "newscrawl.pipelines.WritePostPipeline": 400,
}
# An unexpected exception while parsing one page costs that page only (a `parse-error`).
SPIDER_MIDDLEWARES = {"newscrawl.middlewares.ParseErrorMiddleware": 950}
FEED_EXPORTERS = {"frontmatter": "newscrawl.exporters.FrontMatterItemExporter"}
EXTENSIONS = {
    "newscrawl.store.StateStore": 100,
    "newscrawl.alarm.LayoutAlarm": 150,  # before RunSummary: both act when the run is idle
    "newscrawl.stats.RunSummary": 200,
    "newscrawl.warc.WarcWriter": 300,  # only with WARC_DIR
}

# --- distributed crawls (see the README, "Scaling out") ------------------------------------
# -s REDIS_URL=redis://host:6379/0 makes this process one worker of a crawl shared through
# Redis: scrapy-redis's scheduler and dupefilter, and the known documents in Redis instead
# of STATE_PATH. The add-on does nothing while REDIS_URL is empty.
ADDONS = {"newscrawl.distributed.RedisAddon": 100}
REDIS_URL = ""
REDIS_STATE_KEY = "newscrawl:known"  # the HASH of known documents
REDIS_CONNECT_TIMEOUT = 10  # seconds Redis has to accept a connection, or to answer
REDIS_WORKER_TIMEOUT = 60  # seconds without a heartbeat before a worker counts as gone

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
# An article page gives one item, a listing page requests: nothing to run side by side
# per response. Scrapy starts CONCURRENT_ITEMS tasks for every response that yields
# anything (100 by default), which cost the reactor about a fifth of its time.
CONCURRENT_ITEMS = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 2
# Saved pages (file://) have their own download slot without delay, whatever AutoThrottle
# or DOWNLOAD_DELAY do to the others (newscrawl.articles.LOCAL_FILES_SLOT).
DOWNLOAD_SLOTS = {"local-files": {"delay": 0}}
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # no article page is anywhere near this
DOWNLOAD_WARNSIZE = 0
HTTPCACHE_ENABLED = False  # -s HTTPCACHE_ENABLED=1 while developing

# --- the layout alarm (newscrawl.alarm) --------------------------------------------------
# A run fails with `layout-changed` when at least DROP_ALARM_RATIO of at least
# DROP_ALARM_MIN article pages were dropped for lacking a title, body or date, or when a
# channel's listing gave entries none of which could be used.
DROP_ALARM_ENABLED = True
DROP_ALARM_RATIO = 0.2
DROP_ALARM_MIN = 10

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- archiving extras (all opt-in; see the README) --------------------------------------
# Images: -s DOWNLOAD_IMAGES=1 downloads every body image and the header image with
# newscrawl.images.ArticleImagesPipeline (a Scrapy FilesPipeline) into FILES_STORE, and
# points the post at the local copy: DOWNLOAD_IMAGES_URL + the stored file name.
DOWNLOAD_IMAGES = False
FILES_STORE = ""  # default when DOWNLOAD_IMAGES is on: OUTPUT_DIR/images
DOWNLOAD_IMAGES_URL = "/images/"  # where the site serves FILES_STORE (Hexo: source/images/)
DOWNLOAD_IMAGES_REFERER = "https://finance.sina.com.cn/"  # Sina's image hosts require it
# WARC: -s WARC_DIR=dir writes every request and response of the run to
# dir/<spider>-<start time>.warc.gz (newscrawl.warc.WarcWriter).
WARC_DIR = ""
# Sync feed: the item filter newscrawl.feeds.ChangedPosts, set per feed in FEEDS, exports
# only the posts a run wrote or changed (the fields `path`, `content_hash` and `change`
# are set by WritePostPipeline).

# --- discovery: the roll API (scrapy crawl finance) and feeds (scrapy crawl feed) ------
ROLL_API_URL = "https://feed.mix.sina.com.cn/api/roll/get"
ROLL_PAGE_SIZE = 50  # `num`: articles per API page (Sina's own pages ask for <= 50)
ROLL_MAX_PAGES = 50  # pages walked per channel at most, unless -a max_pages says otherwise
# Every request carries the fixed Referer of DEFAULT_REQUEST_HEADERS (the roll API answers
# 403 without a Sina referer): the RefererMiddleware would otherwise send the API's or the
# feed's URL with the article requests.
REFERRER_POLICY = "no-referrer"
