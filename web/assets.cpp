// The assets as string literals, so the binary serves them with nothing on disk. Both follow
// the page's Content-Security-Policy (default-src 'none'; style-src 'self'; script-src 'self';
// connect-src 'self'): no inline anything, no external fonts, images or requests.
#include "web/assets.hpp"

namespace holdgate::web {

// Mobile first: one column, 16 px text (phones do not zoom into the reason field), tap targets
// of 44 px and more, long hostile words broken anywhere so nothing scrolls sideways. Colours
// follow prefers-color-scheme.
std::string_view stylesheet() {
  return R"css(:root{--bg:#f6f7f9;--fg:#16181d;--muted:#5b6270;--card:#fff;--line:#d9dde3;
--link:#0b5cad;--ok:#177a3c;--ok-fg:#fff;--no:#b3261e;--no-fg:#fff;--warn-bg:#fff4d6;
--warn-fg:#6b4a00;--alarm-bg:#fde7e6;--alarm:#b3261e;--alarm-badge:#b3261e;--chip:#eceff3;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#111318;--fg:#e6e8ec;--muted:#9aa2b1;
--card:#1b1e25;--line:#333844;--link:#7db4ff;--ok:#2e9e57;--no:#d9443a;--warn-bg:#3a2f10;
--warn-fg:#ffd77a;--alarm-bg:#3b1614;--alarm:#ff8a80;--alarm-badge:#c62828;--chip:#272b34}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:anywhere}
a{color:var(--link)}
code,.scope,.kind,.subject{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:.92em}
.top{display:flex;align-items:center;justify-content:space-between;gap:1rem;
padding:.1rem 1rem;min-height:48px;background:var(--card);border-bottom:1px solid var(--line)}
.brand{font-weight:700;color:var(--fg);text-decoration:none;letter-spacing:.02em}
.top nav{display:flex;align-items:center;gap:1rem;font-size:.95rem}
.person{color:var(--muted)}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;line-height:1.25;margin:.4rem 0 .6rem}
h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
.count{display:inline-block;min-width:1.6em;padding:0 .45em;border-radius:999px;
background:var(--chip);font-size:.8em;text-align:center;vertical-align:.1em}
.empty,.hint{color:var(--muted)}
.back{margin:0 0 .5rem}
.cards,.reviews,.events{list-style:none;margin:0;padding:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;
padding:.85rem 1rem;margin:0 0 .75rem}
.card-head{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;
gap:.4rem .75rem}
.card-title{color:var(--fg);text-decoration:none;font-weight:600;font-size:1.05rem;
padding:.25rem 0;min-height:44px;display:inline-flex;flex-wrap:wrap;align-items:center;gap:0 .35em}
.card-title:hover .scope,.card-title:focus .scope{text-decoration:underline}
.wants{color:var(--muted);font-weight:400}
.is-breakglass{border:2px solid var(--alarm);border-left-width:8px}
.is-waiting{box-shadow:inset 4px 0 0 #d69e00}
.badges{display:inline-flex;flex-wrap:wrap;gap:.35rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;background:var(--chip);
font-size:.75rem;font-weight:600;letter-spacing:.04em;text-transform:uppercase}
.badge.breakglass{background:var(--alarm-badge);color:#fff;font-weight:800}
.badge.waiting{background:var(--warn-bg);color:var(--warn-fg)}
.state-approved{color:var(--ok)}.state-denied,.state-revoked{color:var(--no)}
.reason{margin:.5rem 0;padding-left:.7rem;border-left:3px solid var(--line);white-space:normal}
.reason.big{font-size:1.15rem}
.reason.none{color:var(--muted);font-style:italic}
.meta{display:flex;flex-wrap:wrap;gap:.15rem 1rem;margin:.4rem 0 0;color:var(--muted);
font-size:.875rem}
.votes{color:var(--fg);font-weight:600}
.alarm{background:var(--alarm-bg);color:var(--alarm);border:2px solid var(--alarm);
border-radius:10px;padding:.7rem .9rem;margin:0 0 .8rem}
.note.waiting{background:var(--warn-bg);color:var(--warn-fg);border-radius:8px;padding:.5rem .8rem}
.request{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem}
.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.3rem 1rem;
margin:.8rem 0 0;font-size:.95rem}
.facts dt{color:var(--muted)}.facts dd{margin:0}
.facts.key{font-size:1rem}.facts.key dd{font-weight:600}
form{margin:0}
.review{margin:1rem 0;padding:1rem;background:var(--card);border:1px solid var(--line);
border-radius:12px}
.review h2{margin:0 0 .6rem}
label{display:block;font-weight:600;margin:0 0 .3rem}
label .hint{font-weight:400;font-size:.875rem}
textarea{display:block;width:100%;min-height:3.2rem;padding:.6rem .7rem;font:inherit;
color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:8px;resize:vertical}
.decide{display:grid;grid-template-columns:1fr 1fr;gap:.75rem;margin-top:.8rem}
button,.button-link{display:inline-flex;align-items:center;justify-content:center;
min-height:44px;padding:.5rem 1.1rem;border-radius:10px;border:1px solid var(--line);
background:var(--chip);color:var(--fg);font:inherit;font-weight:600;cursor:pointer;
text-decoration:none}
.decide button{min-height:56px;font-size:1.15rem;border:0}
button.approve{background:var(--ok);color:var(--ok-fg)}
button.deny{background:var(--no);color:var(--no-fg)}
button.danger{color:var(--no);border-color:var(--no)}
button:hover{filter:brightness(1.08)}
button.link{min-height:44px;padding:0 .25rem;border:0;background:none;color:var(--link);
font-weight:400;text-decoration:underline}
:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;margin:.7rem 0 0}
.inline{display:inline}
.reviews li,.events li{padding:.55rem 0;border-bottom:1px solid var(--line)}
.reviews .mark{font-weight:700}.reviews .approved .mark{color:var(--ok)}
.reviews .denied .mark{color:var(--no)}
.events li{font-size:.9rem}.events time,.source{color:var(--muted)}
.actor{font-weight:600}
.details{margin:.2rem 0 0;color:var(--muted)}
.message{padding-top:1rem}
.live-notice{position:fixed;left:50%;bottom:1rem;transform:translateX(-50%);
background:var(--fg);color:var(--bg);border:0;box-shadow:0 2px 10px rgba(0,0,0,.3)}
@media (min-width:40rem){main{padding:1.5rem}h1{font-size:1.6rem}
.decide{grid-template-columns:repeat(2,minmax(10rem,14rem))}}
)css";
}

// Live updates, an enhancement only: every page works without it. One EventSource on /events
// (its reconnects are the browser's own; no polling); on a `request` event the page re-fetches
// itself and swaps <main> -- unless a reason is being typed, then it only offers a reload.
std::string_view live_script() {
  return R"js("use strict";
(function () {
  var main = document.querySelector("main[data-live]");
  if (!main || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var fetching = false, again = false, notice = null, source = null;

  // Someone is writing a reason: swapping the page now would throw it away.
  function typing() {
    var fields = main.querySelectorAll("[name=reason]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i] === document.activeElement || fields[i].value !== "") return true;
    }
    return false;
  }

  function offerReload() {
    if (notice) return;
    notice = document.createElement("button");
    notice.type = "button";
    notice.className = "live-notice";
    notice.textContent = "Updated \u2014 reload";
    notice.addEventListener("click", function () { location.reload(); });
    document.body.appendChild(notice);
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
    if (!fresh) return offerReload();
    if (typing()) return offerReload();
    var nodes = [];
    for (var n = fresh.firstChild; n; n = n.nextSibling) nodes.push(n);
    main.replaceChildren.apply(main, nodes.map(function (node) { return document.adoptNode(node); }));
    main.dispatchEvent(new CustomEvent("holdgate:updated", {bubbles: true}));
  }

  function refresh() {
    if (fetching) { again = true; return; }
    if (typing()) return offerReload();
    fetching = true;
    fetch(location.href, {credentials: "same-origin", cache: "no-store",
                          headers: {"Accept": "text/html"}, redirect: "follow"})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") !== 0) return offerReload();
        return response.text().then(swap);
      })
      .catch(function () { offerReload(); })
      .then(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  function onRequest(event) {
    var id = main.getAttribute("data-request");
    if (id) {
      try {
        if (JSON.parse(event.data).id !== id) return;
      } catch (e) { /* not JSON: refresh to be safe */ }
    }
    refresh();
  }

  function connect() {
    if (source) return;
    source = new EventSource("/events");
    source.addEventListener("request", onRequest);
  }
  window.addEventListener("pagehide", function () { if (source) { source.close(); source = null; } });
  window.addEventListener("pageshow", function (e) { if (e.persisted) { connect(); refresh(); } });
  connect();
})();
)js";
}

}  // namespace holdgate::web
