"""Outlet names for known web hosts.

A page's own ``site_name`` metadata is often missing or made up from the host by the extractor
("Hosted" for hosted.ap.org, "NYTimes" for nytimes.com). For hosts a reader knows, the name a
reader would give wins; other hosts keep the site name, then the host itself.
"""

from __future__ import annotations

from urllib.parse import urlparse

# Registered host (or any of its subdomains) -> the outlet's name as readers know it.
KNOWN_HOSTS: dict[str, str] = {
    # wire agencies and their hosting services
    "ap.org": "AP", "apnews.com": "AP", "reuters.com": "Reuters", "afp.com": "AFP",
    "upi.com": "UPI", "dpa.com": "dpa", "aa.com.tr": "Anadolu Agency", "xinhuanet.com": "Xinhua",
    "news.cn": "Xinhua", "tass.com": "TASS", "irna.ir": "IRNA", "tasnimnews.com": "Tasnim",
    "presstv.ir": "Press TV", "efe.com": "EFE", "ansa.it": "ANSA", "pti.in": "PTI",
    # United States
    "nytimes.com": "The New York Times", "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal", "usatoday.com": "USA Today", "latimes.com": "Los Angeles Times",
    "nypost.com": "New York Post", "cnn.com": "CNN", "foxnews.com": "Fox News",
    "foxbusiness.com": "Fox Business", "nbcnews.com": "NBC News", "cbsnews.com": "CBS News",
    "abcnews.go.com": "ABC News", "npr.org": "NPR", "politico.com": "Politico", "thehill.com": "The Hill",
    "axios.com": "Axios", "bloomberg.com": "Bloomberg", "cnbc.com": "CNBC", "forbes.com": "Forbes",
    "businessinsider.com": "Business Insider", "newsweek.com": "Newsweek", "time.com": "Time",
    "theatlantic.com": "The Atlantic", "vox.com": "Vox", "huffpost.com": "HuffPost",
    "huffingtonpost.com": "HuffPost", "breitbart.com": "Breitbart", "dailycaller.com": "The Daily Caller",
    "washingtonexaminer.com": "Washington Examiner", "washingtontimes.com": "The Washington Times",
    "nationalreview.com": "National Review", "motherjones.com": "Mother Jones", "slate.com": "Slate",
    "salon.com": "Salon", "msn.com": "MSN", "news.yahoo.com": "Yahoo News", "sfgate.com": "SFGate",
    "chron.com": "Houston Chronicle", "nj.com": "NJ.com", "cleveland.com": "cleveland.com",
    "oregonlive.com": "The Oregonian", "detroitnews.com": "The Detroit News",
    "chicagotribune.com": "Chicago Tribune", "bostonglobe.com": "The Boston Globe",
    "miamiherald.com": "Miami Herald", "politifact.com": "PolitiFact", "snopes.com": "Snopes",
    "factcheck.org": "FactCheck.org",
    # United Kingdom and Ireland
    "bbc.co.uk": "BBC News", "bbc.com": "BBC News", "theguardian.com": "The Guardian",
    "telegraph.co.uk": "The Telegraph", "thetimes.co.uk": "The Times", "ft.com": "Financial Times",
    "independent.co.uk": "The Independent", "dailymail.co.uk": "Daily Mail", "thesun.co.uk": "The Sun",
    "express.co.uk": "Daily Express", "mirror.co.uk": "Daily Mirror", "news.sky.com": "Sky News",
    "economist.com": "The Economist", "cityam.com": "City A.M.", "irishtimes.com": "The Irish Times",
    # elsewhere
    "aljazeera.com": "Al Jazeera", "rt.com": "RT", "sputniknews.com": "Sputnik", "dw.com": "DW",
    "france24.com": "France 24", "euronews.com": "Euronews", "jpost.com": "The Jerusalem Post",
    "timesofisrael.com": "The Times of Israel", "haaretz.com": "Haaretz", "arabnews.com": "Arab News",
    "thenationalnews.com": "The National", "albawaba.com": "Al Bawaba", "scmp.com": "South China Morning Post",
    "globaltimes.cn": "Global Times", "timesofindia.indiatimes.com": "The Times of India",
    "hindustantimes.com": "Hindustan Times", "deccanherald.com": "Deccan Herald", "ctvnews.ca": "CTV News",
    "cbc.ca": "CBC News", "theglobeandmail.com": "The Globe and Mail", "abc.net.au": "ABC News (Australia)",
    "smh.com.au": "The Sydney Morning Herald",
}


def host_of(url: str | None) -> str | None:
    """The lower-case host of ``url`` without ``www.``, or None when it has none."""
    if not url:
        return None
    try:
        host = urlparse(str(url).strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def outlet_host(url: str | None) -> str | None:
    """The host as an outlet's name, when nothing better is known; None for an IP address or a
    single-label name such as ``localhost``, which name a machine, not an outlet."""
    host = host_of(url)
    if not host or "." not in host or host.replace(".", "").isdigit() or ":" in host:
        return None
    return host


def known_outlet(url: str | None) -> str | None:
    """The outlet a reader would name for ``url``'s host, when the host is known.

    >>> known_outlet("https://hosted.ap.org/berkshireeagle/article/1/x"), known_outlet("https://example.org/a")
    ('AP', None)
    """
    host = host_of(url)
    while host:
        if host in KNOWN_HOSTS:
            return KNOWN_HOSTS[host]
        if "." not in host:
            return None
        host = host.split(".", 1)[1]
    return None


# Outlets known by name whose hosts are not listed above (or are shared with a parent site).
OTHER_NAMES = ("CBS Sports", "ESPN", "Sky Sports", "Sportsnet", "The Associated Press",
               "Associated Press", "Al Arabiya", "Middle East Eye", "The New Arab", "Los Angeles Times")


def known_names() -> list[str]:
    """Outlet names a reader knows, longest first (so "BBC News" is tried before "BBC")."""
    names = set(KNOWN_HOSTS.values()) | set(OTHER_NAMES)
    return sorted(names, key=len, reverse=True)


def masthead_outlet(line: str) -> str | None:
    """The known outlet a short masthead or menu line names at its start ("The Guardian - Back to
    home", "Vox homepage", "BBC News Navigation"), or None.

    >>> masthead_outlet("The Guardian - Back to home"), masthead_outlet("Guardian readers respond")
    ('The Guardian', None)
    """
    s = line.strip()
    if not s or len(s.split()) > 6:
        return None
    low = s.casefold()
    for name in known_names():
        key = name.casefold()
        if low == key or (low.startswith(key) and not low[len(key)].isalnum() and
                          (len(name.split()) >= 2 or low[len(key):].strip(" -|–—:").split()[0] in _MASTHEAD_TAIL)):
            return {"Associated Press": "AP", "The Associated Press": "AP"}.get(name, name)
    return None


_MASTHEAD_TAIL = {"home", "homepage", "navigation", "international", "menu", "online", "logo", "back"}
