"""A small T3 Sina Finance article page (the "main-title / date-source" template) whose body
the test chooses, for tests that need exact control over a page's images or bytes."""

from __future__ import annotations

import html


def t3_page(
    doc_id: str,
    title: str,
    body_html: str,
    created: str = "2021-10-20 20:36:14",  # Beijing time, as the page states it
    og_image: str = "",
) -> bytes:
    """The page, UTF-8. `doc_id` is `i` + 14 characters; `body_html` goes into #artibody."""
    day = created[:10]
    url = f"https://finance.sina.com.cn/china/gncj/{day}/doc-{doc_id}.shtml"
    e = html.escape
    y, m, d = day.split("-")
    shown = f"{y}年{m}月{d}日 {created[11:16]}"
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{e(title)}_新浪财经_新浪网</title>
<meta property="og:type" content="news">
<meta property="og:title" content="{e(title)}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{e(og_image)}">
<meta name="weibo: article:create_at" content="{created}">
<meta name="publishid" content="{doc_id[1:]}">
</head>
<body>
<div class="main-content w1240">
<h1 class="main-title">{e(title)}</h1>
<div class="date-source"><span class="date">{shown}</span>
<span class="source ent-source">新浪财经</span></div>
<div class="article" id="artibody" data-sudaclick="blk_content">
<!-- 原始正文start -->
{body_html}
<!-- 原始正文end -->
<p class="article-editor">责任编辑：张三 </p>
</div>
</div>
</body>
</html>
"""
    return page.encode("utf-8")
