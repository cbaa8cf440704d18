"""Page-furniture lines and their kind (a helper of the clean stage).

``furniture_kind(line, edge)`` names the boilerplate kind of one stripped line (``share``,
``comments``, ``copyright``, ``navigation``, ``related``, ``ad``, ``caption``, ``slug``,
``ticker``, ``other``) or returns None. Some phrases are furniture wherever they stand ("Advertisement", "Read more:
...", "(Photo: ...)"); others only in the runs of lines at either end of an article ("Menu",
"Comments", "Email"): ``edge`` is ``"top"`` or ``"bottom"`` there. Short lines that merely
contain "share" or "comments" count only at the bottom, where no headline can be. Nothing here
looks at more than one line.

>>> furniture_kind("Protect and Support Israel by Sharing our Articles", edge="bottom")
'share'
>>> furniture_kind("Readers can share their comments on the plan until Friday.", edge="bottom") is None
True
>>> furniture_kind("728 x 90"), furniture_kind("Home | World | Politics", edge="top")
('ad', 'navigation')
"""

from __future__ import annotations

import re

_SOCIAL = (r"facebook|twitter|x|whatsapp|linkedin|pinterest|reddit|telegram|pocket|tumblr|messenger|"
           r"flipboard|email|e-mail|mail|sms|print|copy link|copy url|link copied|tweet|share|vk|threads|bluesky")


def _phrases(*items: str) -> re.Pattern:
    return re.compile(r"^(?:" + "|".join(items) + r")$", re.IGNORECASE)


# A photo credit closing a caption line: "(Omar Sanadiki/AP)", "(AP Photo/Name)", "(AFP Photo)",
# "[Getty]", "[Reuters]", "Picture: Alamy", "Credit: Name", a bare "Credit:".
_AGENCY_CREDIT = (r"(?:AP|AFP|Reuters|Getty(?:\s+Images)?|EPA(?:-EFE)?|PA(?:\s+Wire)?|Xinhua|Anadolu(?:\s+Agency)?|"
                  r"Shutterstock|Alamy|dpa|SIPA|Bloomberg|WANA|IRNA|SANA|Tasnim|Fars|UPI|Zuma(?:\s+Press)?|"
                  r"NurPhoto|Pool|Handout|Supplied|Sputnik|TASS|Abaca|Rex(?:/Shutterstock)?)")
_CREDIT_END = (
    r"(?:\(\s*(?:[\w'’.\- ]{1,40}\s*/\s*)" + _AGENCY_CREDIT + r"(?:\s+(?:via|/)\s+[\w'’.\- ]{1,30})?\s*\)"
    r"|\(\s*" + _AGENCY_CREDIT + r"\s+(?:photo|images?|pictures?|file)s?(?:\s*/\s*[\w'’.\-, ]{1,60})?\s*\)"
    r"|\[\s*(?:[\w'’.\- ]{1,40}\s*/\s*)?" + _AGENCY_CREDIT + r"(?:\s+(?:via|/)\s+[\w'’.\- ]{1,30})?\s*\]"
    r"|[.!?”\"’)]\s+(?-i:Pictures?|Photos?|Photograph|Image|Credit|Photo\s+credit|Image\s+credit)\s*:\s*(?:[\w'’.\-/&, ]{1,60})?)\s*"
)

# Furniture wherever it stands: the whole (normalised) line is the phrase.
_ANYWHERE = (
    ("ad", _phrases(
        r"advertisements?", r"advertising", r"ads?", r"sponsored(?: content| links?| stories)?", r"promoted(?: content| stories)?",
        r"paid (?:content|post|partnership)", r"partner content", r"(?:the )?(?:story|article) continues below(?: (?:this )?advertisement)?",
        r"continue reading(?: the main story| below)?", r"ad ?choices", r"remove ads", r"report this ad",
        r"(?:ad(?:vertisement)?\s*[:\-]?\s*)?\d{2,4}\s*[x×]\s*\d{2,4}(?:\s*px)?",
    )),
    ("related", re.compile(
        r"^(?:read more|read also|also read|see also|related|related (?:article|story|news|content|coverage)s?|"
        r"recommended|suggested|don'?t miss|must read|more on this(?: story)?|read next)\s*[:|»>\-–—]\s*\S.{0,200}$",
        re.IGNORECASE)),
    ("caption", re.compile(
        r"^\(\s*(?:photo|image|picture|pic|credit|photograph|file photo|photo credit|image credit|illustration)s?\b[^()]*\)$"
        r"|^(?:photo|image|picture|pic|credit|photograph|file photo|photo credit|image credit|illustration|"
        r"photo illustration|top image|main image|featured image|header image)s?\s*(?:by\b|:|–|—|/|\|)\s*\S.{0,200}$"
        r"|^(?:image copyright|image caption|media caption|photo caption|copyright image)\b.{0,200}$"
        r"|^\(?[\w.'’ -]{0,40}\b(?:photo|image|picture|pic)s?\s*/\s*[^()]{1,80}\)?$"
        r"|^.{0,300}\(\s*(?:photo|image|picture|pic|credit|photograph|file photo|photo credit)s?\b\s*[:/]?[^()]{1,80}\)$"
        r"|^(?:[\w'’.\- ]{1,40}/)?(?:[\w'’.\- ]{1,40}\s+via\s+)?(?:getty images|shutterstock|istock(?:photo)?|alamy)(?:/[\w'’.\- ]{1,40})?$"
        r"|^(?:AFP|REUTERS|Reuters|AP|EPA|EPA-EFE|ANADOLU|Anadolu Agency|XINHUA|Xinhua|dpa|SIPA)\s*/\s*[\w'’.\- ]{1,60}$"
        r"|^[\w'’.\- ]{1,60}/\s*(?:AFP|REUTERS|Reuters|AP|EPA|EPA-EFE|XINHUA|Xinhua|dpa|SIPA)(?:\s+via\s+getty images)?$",
        re.IGNORECASE)),
    ("caption", re.compile(r"^.{0,380}?" + _CREDIT_END + r"$", re.IGNORECASE)),
    ("caption", re.compile(  # "Name / Reuters file", "Name/Paper/Getty Images", "Name | Bloomberg | Getty Images"
        r"^(?:.{0,300}?[\w.)]\s*)?(?-i:[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,3})\s*(?:[/|]\s*[\w'’. -]{1,40}\s*)?[/|]\s*"
        r"(?:AP|AFP|Reuters|Getty\s+Images|EPA(?:-EFE)?|Bloomberg|Shutterstock|Alamy|NBC News|USA TODAY)"
        r"(?:\s+(?:file|photo|images?))?$|^(?:main\s+|top\s+)?image\s+credit\s*:.{1,80}$|^enlarge\s+image$",
        re.IGNORECASE)),
    ("slug", re.compile(
        r"^(?:AP|BC)-[A-Z]{2,}(?:-[A-Za-z]+)*--[\w'’.\-]+(?:\s*,\s*[\w\- ]{1,40}){0,4}\s*$"
        r"|^(?:\d+(?:st|nd|rd|th)\s+)?(?:ld-writethru|writethru|lead-writethru)(?:\s*,\s*[\w\- ]{1,40}){0,3}$"
        r"|^eds?\s*:\s*\S.{0,240}$",
        re.IGNORECASE)),
    ("share", re.compile(
        r"^(?:click to |please )?share(?: this(?: (?:article|story|post|page|video))?)?"
        r"(?:\s*(?:on|via|with|to)(?:\s+(?:" + _SOCIAL + r"|your friends|friends)\b.{0,30})?)?\W*$"
        r"|^(?:share all sharing options|(?:close|open) share panel|sharing options)\W*$"
        r"|^(?:click to share on|share this (?:article|story|post|page)|share on|share via|sharing is caring|"
        r"follow us on|like us on|join us on|print (?:this|friendly)|follow @)\b.{0,60}$",
        re.IGNORECASE)),
    ("navigation", _phrases(r"scroll (?:up|down|to top)", r"back to top", r"go to top", r"top of page")),
    ("copyright", re.compile(
        r"^(?:©|\(c\)\s*\d{4}|&copy;|copyright\s*(?:©|\(c\)|&copy;|(?:19|20)\d{2}\b)).{0,200}$|^.{0,200}\ball rights reserved\b.{0,200}$"
        r"|^.{0,120}©\s*(?:\d{4}|[A-Z]).{0,120}$"
        r"|^this material may not be published, broadcast, rewritten,? or redistributed\b.{0,80}$",
        re.IGNORECASE)),
    ("other", re.compile(r"^(?:click here\b.{0,160}|loading\W*|(?:sign up|subscribe|register)(?: now| today| free)? (?:for|to) .{0,60}newsletters?\b.{0,60}"
                         r"|get (?:the|our) (?:latest|top|best) (?:news|headlines|stories|updates)\W*|(?:delivered )?(?:straight |directly )?to your inbox\W*|(?:\d+\s+)?min(?:ute)?s? read|reading time\b.{0,40}"
                         r"|listen to (?:this )?article\b.{0,40}|(?:font|text) size\b.{0,20}|a\s+a\s+a)$",
                         re.IGNORECASE)),
)

# Furniture in the runs at either end of an article only.
_EDGE = (
    ("comments", _phrases(
        r"leave a (?:reply|comment)(?: cancel reply)?", r"cancel reply", r"comments?(?: \(\d+\))?", r"\d+ (?:comments?|responses?|replies)",
        r"(?:no|one|\d+) (?:comments?|responses?|thoughts?)(?: (?:on|to) .{1,150})?", r"post (?:a )?comment", r"add (?:a )?comment",
        r"write a comment", r"(?:view|show|hide|load|read) (?:all )?comments(?: \(\d+\))?", r"join the (?:discussion|conversation|debate)",
        r"comments are closed\.?", r"discussion", r"have your say", r"your email address will not be published\.?.{0,80}",
        r"required fields are marked \*?", r"you must be (?:logged in|registered) to post a comment\.?", r"(?:name|email|website|comment)\s*\*",
        r"post comment", r"notify me of .{1,80}", r"this site uses akismet .{1,120}", r"what do you think\??",
        r"(?:login|log in|sign in) to (?:comment|reply)", r"reply",
    )),
    ("related", _phrases(
        r"similar (?:posts|articles|stories)", r"related", r"related (?:posts|articles|stories|news|content|topics|coverage|reading)",
        r"more (?:stories|news|articles|posts|from .{1,60}|on .{1,60}|in .{1,60})", r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)",
        r"recommended(?: for you| stories| articles)?", r"read more(?: (?:from|on|at|about) .{1,60})?", r"read next", r"what to read next", r"next up", r"further reading",
        r"(?:most|top) (?:read|popular|viewed|shared|commented)(?: stories| articles| news)?", r"popular (?:posts|stories|articles)",
        r"latest (?:news|posts|stories|articles|headlines)", r"recent (?:posts|stories|articles)", r"top stories", r"trending(?: now| stories)?",
        r"in other news", r"from the web", r"around the web", r"(?:next|previous|prev) (?:article|post|story)", r"also on .{1,40}",
        r"promoted stories", r"editor'?s picks?",
    )),
    ("navigation", _phrases(
        r"home(?: ?page)?", r"(?:main )?menu", r"skip to (?:main )?content", r"skip navigation", r"toggle navigation", r"navigation",
        r"search(?: for)?\W*", r"subscribe(?: now| today)?", r"sign (?:in|up|out)", r"log ?(?:in|out)", r"register", r"newsletters?",
        r"(?:sign up for|subscribe to) (?:our|the) (?:\w+ )?newsletter.{0,60}", r"subscribe to our .{1,60}", r"close(?: menu)?", r"open menu",
        r"privacy(?: policy)?", r"terms (?:of (?:use|service)|and conditions|& conditions)", r"cookie (?:policy|settings)", r"contact(?: us)?",
        r"about(?: us)?", r"site ?map", r"rss(?: feed)?", r"archives?", r"categories", r"donate(?: now)?", r"support us", r"next", r"previous",
        r"prev", r"more", r"back", r"breaking news", r"live", r"latest", r"news", r"world", r"world news", r"politics", r"business",
        r"opinion", r"sports?", r"middle east", r"europe", r"asia", r"africa", r"americas", r"(?:us|u\.s\.|uk) news", r"tech(?:nology)?",
        r"science", r"health", r"culture", r"entertainment", r"lifestyle", r"videos?", r"local", r"national", r"international",
        r"economy", r"markets", r"analysis", r"editorial", r"features?", r"news ?feed", r"all (?:news|sections)", r"sections",
        r"advertise(?: with us)?", r"careers", r"jobs", r"faq", r"help",
    )),
    ("share", _phrases(
        r"(?:(?:" + _SOCIAL + r")(?:\s*[|,·•/]\s*|\s+))*(?:" + _SOCIAL + r")", r"like this\W*", r"like", r"\d[\d,.]*k? shares?",
        r"shares?", r"(?:share|print|email|save)(?: (?:this|article|story))?",
    )),
    ("other", _phrases(
        r"(?:tags?|topics?|filed under|categories|category|posted in|keywords|related topics)\s*:?.{0,200}", r"about the author",
        r"(?:print|save|bookmark)(?: article)?", r"loading\W*", r"powered by .{1,60}",
        r"(?:this )?(?:article|story|post) (?:was )?(?:posted|republished|reprinted|originally (?:published|appeared)|reproduced)\b.{1,120}", r"(?:get|download) (?:the|our) app.{0,40}",
    )),
)

_LONG_FURNITURE = re.compile(r"[)\]]\s*$|\b(?:picture|photo|image|credit)s?\s*:|©|rights reserved|copyright|^\W*(?:read more|related|see also|also read|read also|click here)",
                             re.IGNORECASE)
_BULLETS = re.compile(r"^[\s•·*>|»›«‹\-–—]+|[\s|»›>«‹]+$")
_SEPARATOR = re.compile(r"\s+(?:\||›|»|>|/|•|·|::)\s+")
_SHARE_WORD = re.compile(r"\bshar(?:e|es|ing)\b", re.IGNORECASE)
_COMMENT_WORD = re.compile(r"\bcomments?\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.[a-z]{2,12}/?$", re.IGNORECASE)


def normalise(line: str) -> str:
    """The line without list bullets or trailing separators, whitespace collapsed."""
    return " ".join(_BULLETS.sub("", line).split())


def ends_sentence(line: str) -> bool:
    """The line ends like a sentence ("." "!" "?" "…", possibly before closing quotes)."""
    return bool(_SENTENCE_END.search(line.rstrip()))


def breadcrumb(line: str) -> bool:
    """"Home | World | Politics", "News › Middle East": short items joined by separators."""
    if len(line) > 160 or ends_sentence(line):
        return False
    parts = _SEPARATOR.split(line)
    if len(parts) < 2:
        return False
    sizes = [len(p.split()) for p in parts]
    if min(sizes) == 0:
        return False
    return (len(parts) >= 3 and max(sizes) <= 4) or max(sizes) <= 3


_OTHER_CALENDAR = re.compile(
    r"\b(?:farvardin|ordibehesht|khordad|tir|mordad|amordad|shahrivar|mehr|aban|azar|dey|bahman|esfand|"
    r"muharram|safar|rabi(?:'|’)?\s*al[- ](?:awwal|thani|akhir)|jumad[ae]\s*al[- ](?:ula|awwal|akhirah|thani)|rajab|"
    r"sha(?:'|’)?ban|ramadan|shawwal|dhu\s*al[- ](?:qi?'?dah|hijjah))\b\s*,?\s*\d{3,4}",
    re.IGNORECASE)
_SOCIAL_WORD = re.compile(r"\b(?:facebook|twitter|instagram|youtube|telegram|whatsapp|linkedin|tiktok|rss)\b", re.IGNORECASE)


_TICKER_WORD = re.compile(r"(?![Tt]oday\b|[Nn]ow\b|[Uu]pdated\b)[^\W\d_]{2,}")


def ticker(line: str) -> bool:
    """A page's date strip or ticker, not the article's date: several dates on one line, a date
    beside another calendar's ("13 Azar 1405") or beside social-network names, or a date strip
    framed by separators ("| 24 February 2024, Saturday |").

    >>> ticker("Thursday 4 December 2026 - 13 Azar 1405 | 2 December 2026 (14) | Facebook Twitter")
    True
    >>> ticker("December 2, 2026 - 10:45"), ticker("The talks of May 2 and May 9, 2024 failed.")
    (False, False)
    >>> ticker("Talks set for May 2, then again on May 9")
    False
    """
    from unspun.stages.dates import find_dates

    s = line.strip()
    if len(s) > 300 or ends_sentence(s):
        return False
    dates = find_dates(s)
    if not dates:
        return False
    rest = s
    for d in reversed(dates):
        rest = rest[:d.start] + " " + rest[d.end:]
    rest = _SOCIAL_WORD.sub(" ", _OTHER_CALENDAR.sub(" ", rest))
    if len(_TICKER_WORD.findall(rest)) > 3:
        return False  # words of a headline or a sentence around the dates, not a strip
    if len(dates) >= 2 or _OTHER_CALENDAR.search(s) or len(_SOCIAL_WORD.findall(s)) >= 2:
        return True
    return s.startswith(("|", "‖")) and s.endswith(("|", "‖"))


def domain_name(line: str) -> str | None:
    """"www.example.com" -> "example.com" when the line is only a domain name."""
    s = line.strip()
    if " " in s or not _DOMAIN.match(s) or s[-1].isdigit():
        return None
    s = _SCHEME.sub("", s).rstrip("/")
    return s


def furniture_kind(line: str, edge: str | None = None) -> str | None:
    """The boilerplate kind of one stripped ``line``, or None when it may be content.

    ``edge``: ``"top"`` or ``"bottom"`` when the line is in the run at that end of the article,
    where short menu words and comment prompts are furniture too.
    """
    if len(line) > 120 and not _LONG_FURNITURE.search(line):
        return None  # a paragraph: only captions and copyright notices run this long
    s = normalise(line)
    if not s or len(s) > 400:
        return None
    core = s.rstrip(":").rstrip()
    for kind, pattern in _ANYWHERE:
        if pattern.match(core) or pattern.match(s):
            return kind
    if not edge:
        return None
    for kind, pattern in _EDGE:
        if pattern.match(core):
            return kind
    if breadcrumb(s):
        return "navigation"
    if edge == "top" and ticker(line):
        return "ticker"
    if edge != "bottom":
        return None
    words = len(s.split())
    if words <= 12 and not ends_sentence(s) and ", " not in s:
        if _SHARE_WORD.search(s):
            return "share"
        if words <= 6 and _COMMENT_WORD.search(s):
            return "comments"
    return None
