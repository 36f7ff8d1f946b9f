"""The rich-text sanitizer: what staff may write survives, every XSS route is removed (scripts, event handlers,
javascript:/data: URLs, styles, iframes, SVG/MathML, markup split to fool a text filter), pictures only from our
content-image store, and the plain text / summary derived from a body."""

import pytest

from apps.messaging import richtext

SHA = "0123456789abcdef" * 4
OURS = f"/files/messaging/images/{SHA}.jpg"


def test_the_allowed_markup_survives_as_written():
    html = ('<h2>停热通知</h2><p>因<strong>管网</strong>检修，<em>12 月 8 日</em><u>停热</u>。<br>请<b>提前</b>'
            '<i>做好</i>准备。</p><ul><li>一</li></ul><ol><li>二</li></ol><blockquote>引用</blockquote>'
            '<h3>小标题</h3><p><span>文字</span></p>')
    assert richtext.sanitize(html) == html


@pytest.mark.parametrize(("dirty", "clean"), [
    ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
    ("<script src='https://evil.example/x.js'></script>ok", "ok"),
    ("<p onclick=\"steal()\" onmouseover='x()'>t</p>", "<p>t</p>"),
    ('<p style="background:url(javascript:alert(1))">t</p>', "<p>t</p>"),
    ("<style>body{display:none}</style><p>t</p>", "<p>t</p>"),
    ('<iframe src="https://evil.example"></iframe><p>t</p>', "<p>t</p>"),
    ("<svg onload=alert(1)><script>alert(1)</script></svg>t", "t"),
    ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ""),
    ("<object data=x></object><embed src=x>t", "t"),
    ('<form action="https://evil.example"><input name=p><button>go</button></form>', "go"),
    ("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"),  # left as text, escaped: no tag
    ("<!-- <script>alert(1)</script> -->t", "t"),
    ("<p>a &lt;script&gt; b</p>", "<p>a &lt;script&gt; b</p>"),
    ('<div class="x" id="y"><p>t</p></div>', "<p>t</p>"),
])
def test_scripts_handlers_styles_and_frames_are_removed(dirty, clean):
    assert richtext.sanitize(dirty) == clean


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "jav&#x61;script:alert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
    "//evil.example/x", "/relative/path", "ftp://example.com/f", "mailto:a@b.c",
])
def test_links_keep_only_http_and_https_addresses(href):
    cleaned = richtext.sanitize(f'<a href="{href}">链接</a>')
    assert "href" not in cleaned and cleaned == '<a rel="noopener noreferrer">链接</a>'


def test_http_links_open_without_giving_the_page_a_handle_on_ours():
    cleaned = richtext.sanitize('<a href="https://www.gov.cn/x?a=1&b=2" target="_blank" rel="opener">政策</a>')
    assert cleaned == '<a href="https://www.gov.cn/x?a=1&amp;b=2" rel="noopener noreferrer">政策</a>'


@pytest.mark.parametrize("src", [
    "https://evil.example/track.gif", "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)",
    f"{OURS}?x=1", f"{OURS}#f", f"/files/messaging/images/{SHA}.gif", f"/files/services/photos/{SHA}.jpg",
    f"/files/messaging/images/{SHA[:-1]}.jpg", f"ftp://h{OURS}", f"https:{OURS}", "x",
])
def test_pictures_from_anywhere_else_are_removed_whole(src):
    assert richtext.sanitize(f'<p>a<img src="{src}" alt="图">b</p>') == "<p>ab</p>"


def test_our_pictures_are_kept_as_paths_with_safe_attributes_only():
    dirty = (f'<img src="https://alpha.example.com{OURS}" alt="停热范围" width="640" height="480px" '
             'onerror="alert(1)" style="x" title="t">')
    cleaned = richtext.sanitize(dirty)
    assert cleaned == f'<img src="{OURS}" alt="停热范围" width="640">'  # height "480px" is not a number
    assert richtext.image_paths(cleaned) == [OURS]
    assert richtext.absolutize(cleaned, "https://alpha.example.com/") == (
        f'<img src="https://alpha.example.com{OURS}" alt="停热范围" width="640">')
    assert richtext.drop_images(cleaned, {OURS}) == ""


def test_an_alt_text_cannot_pass_for_a_source():
    cleaned = richtext.sanitize(f'<img alt=\' src="{OURS}"\'>')
    assert cleaned == "" and richtext.image_paths(cleaned) == []
    both = richtext.sanitize(f'<img alt=\'" src="{OURS}\' src="{OURS}">')
    assert richtext.image_paths(both) == [OURS] and both.count(' src="') == 1


def test_plain_text_and_summary():
    body = richtext.sanitize("<h2>标题</h2><p>第一段&amp;  内容</p><ul><li>甲</li><li>乙</li></ul><p>  </p>")
    assert richtext.plain_text(body) == "标题\n第一段& 内容\n甲\n乙"
    assert richtext.plain_text(richtext.sanitize("<p>写作 &amp;lt;p&amp;gt; 即可</p>")) == "写作 &lt;p&gt; 即可"  # once
    assert richtext.summary("一" * 100) == "一" * 100
    assert richtext.summary("一" * 101) == "一" * 99 + "…"
    assert richtext.summary("a\nb   c") == "a b c"
