/* collect-bot sandbox: a small Slack look-alike, enough to use the bot without a Slack workspace.
 *
 * Plain JavaScript, no dependencies, no build step. Everything that comes from the API is put on
 * the page with textContent / DOM nodes: never as HTML.
 */
(function () {
  "use strict";

  var POLL_MS = 700;

  // ---- state --------------------------------------------------------------------------------

  var S = {
    user: null, // the acting person's Slack id
    state: null, // the last /api/state answer
    version: null, // its version
    renderedUser: null, // whom the page was last rendered for
    selected: null, // a conversation id, or "home"
    renderedSelected: null,
    thread: null, // {conv, ts} of the open thread
    menu: null, // the open overflow menu: {key, menu, btn}
    modal: null, // the rendered modal: {id, sig, fields, submitting, root, ...}
    dismissedView: null, // a view id cancelled here, hidden until the API agrees
    hiddenEphemeral: {}, // ephemeral messages dismissed here
    seen: {}, // "user|conv" -> top-level message count seen, for unread badges
    polling: false,
    pollAgain: false,
    offlineToast: null,
    history: [],
    historyPos: -1,
    stick: true, // the message list is scrolled to the bottom
    threadStick: true,
    wanted: null, // {conv, thread} a permalink asked for, opened once the state has come
  };

  // ---- small helpers ------------------------------------------------------------------------

  function $(id) {
    return document.getElementById(id);
  }

  /** h("div", {class: "x", onclick: fn}, child, "text", [more]) — attributes are set as text. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (k.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(k.slice(2), v);
        else if (v === true) el.setAttribute(k, "");
        else el.setAttribute(k, String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(el, c);
      });
      return;
    }
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function people() {
    return (S.state && S.state.people) || [];
  }

  function personName(id) {
    var p = people().find(function (x) {
      return x.id === id;
    });
    return p ? p.name : null;
  }

  function conversations() {
    return (S.state && S.state.conversations) || [];
  }

  function convById(id) {
    return (
      conversations().find(function (c) {
        return c.id === id;
      }) || null
    );
  }

  function convLabel(c) {
    if (!c) return "";
    return c.kind === "dm" ? "collect-bot" : "# " + c.name;
  }

  function initials(name) {
    var parts = String(name || "?").trim().split(/\s+/);
    var s = parts[0].charAt(0) + (parts.length > 1 ? parts[parts.length - 1].charAt(0) : "");
    return s.toUpperCase() || "?";
  }

  var AVATAR_COLOURS = ["#2b6cb0", "#2f855a", "#b7791f", "#9b2c2c", "#6b46c1", "#2c7a7b", "#c05621", "#4a5568"];

  function colourFor(id) {
    var n = 0;
    String(id || "").split("").forEach(function (ch) {
      n = (n * 31 + ch.charCodeAt(0)) >>> 0;
    });
    return AVATAR_COLOURS[n % AVATAR_COLOURS.length];
  }

  function teamZone() {
    var m = /\(([^()]+)\)\s*$/.exec((S.state && S.state.now_label) || "");
    if (m) {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: m[1] });
        return m[1];
      } catch (e) {
        /* not a zone name */
      }
    }
    return undefined;
  }

  function messageDate(m) {
    var iso = m.at || m.time || m.posted_at;
    if (iso) {
      var d = new Date(iso);
      if (!isNaN(d.getTime())) return d;
    }
    var t = parseFloat(m.ts);
    return isFinite(t) ? new Date(t * 1000) : null;
  }

  function fmtTime(d) {
    if (!d) return "";
    try {
      return d.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", timeZone: teamZone() });
    } catch (e) {
      return d.toLocaleTimeString();
    }
  }

  function fmtDay(d) {
    if (!d) return "";
    try {
      return d.toLocaleDateString(undefined, {
        weekday: "long",
        month: "long",
        day: "numeric",
        year: "numeric",
        timeZone: teamZone(),
      });
    } catch (e) {
      return d.toDateString();
    }
  }

  // ---- the API ------------------------------------------------------------------------------

  var ACTION_NAMES = {
    "/api/command": "Command",
    "/api/action": "Action",
    "/api/submit": "Submit",
    "/api/close": "Close",
    "/api/options": "Options",
    "/api/reply": "Reply",
    "/api/home": "App Home",
    "/api/clock": "Clock",
    "/api/run": "Run",
    "/api/shortcut": "Shortcut",
    "/api/billing": "Send payment",
  };

  function errorText(value) {
    if (typeof value === "string") return value;
    try {
      return JSON.stringify(value);
    } catch (e) {
      return String(value);
    }
  }

  /** POST JSON; on failure show a toast and answer null. `allowErrors`: field errors are an answer. */
  function post(path, body, opts) {
    opts = opts || {};
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    }).then(
      function (res) {
        return res.text().then(function (text) {
          var data = null;
          if (text) {
            try {
              data = JSON.parse(text);
            } catch (e) {
              data = null;
            }
          }
          if (opts.allowErrors && data && data.errors && typeof data.errors === "object") return data;
          if (!res.ok || (data && data.error)) {
            var msg =
              (data && data.error && errorText(data.error)) ||
              (!data && text && text.length < 300 ? text.trim() : "") ||
              res.status + " " + res.statusText;
            toast((ACTION_NAMES[path] || path) + " failed: " + msg);
            return null;
          }
          if (!opts.quiet) pollNow();
          return data || {};
        });
      },
      function () {
        toast((ACTION_NAMES[path] || path) + " failed: the sandbox server did not answer.");
        return null;
      }
    );
  }

  function pollNow() {
    poll();
  }

  function poll() {
    if (S.polling) {
      S.pollAgain = true;
      return;
    }
    S.polling = true;
    var asked = S.user;
    var url = "/api/state" + (asked ? "?user=" + encodeURIComponent(asked) : "");
    fetch(url, { cache: "no-store" })
      .then(function (res) {
        if (!res.ok) throw new Error(res.status + " " + res.statusText);
        return res.json();
      })
      .then(function (data) {
        if (data && data.error) throw new Error(errorText(data.error));
        online();
        if (asked !== S.user) return; // the person changed while this was on its way
        if (!S.user || !personExists(data, S.user)) {
          var chosen = pickUser(data);
          if (chosen && chosen !== S.user) {
            S.state = data;
            setUser(chosen, true);
            S.pollAgain = true;
            return;
          }
        }
        if (data.version !== S.version || S.renderedUser !== S.user || !S.state) {
          S.state = data;
          S.version = data.version;
          renderAll();
        }
      })
      .catch(function (e) {
        offline(e && e.message);
      })
      .then(function () {
        S.polling = false;
        if (S.pollAgain) {
          S.pollAgain = false;
          poll();
        }
      });
  }

  function personExists(data, id) {
    return ((data && data.people) || []).some(function (p) {
      return p.id === id;
    });
  }

  function pickUser(data) {
    var list = (data && data.people) || [];
    if (data && data.user && personExists(data, data.user)) return data.user;
    return list.length ? list[0].id : null;
  }

  function offline(msg) {
    if (S.offlineToast && S.offlineToast.isConnected) return;
    S.offlineToast = toast(
      "Lost contact with the sandbox server (" + (msg || "no answer") + "). Retrying…",
      "error",
      0
    );
  }

  function online() {
    if (S.offlineToast) {
      S.offlineToast.remove();
      S.offlineToast = null;
    }
  }

  // ---- toasts -------------------------------------------------------------------------------

  function toast(message, kind, ms) {
    kind = kind || "error";
    var box = $("toasts");
    var existing = Array.prototype.find.call(box.children, function (t) {
      return t.dataset.msg === message;
    });
    if (existing) existing.remove();
    var t = h(
      "div",
      {
        class: "toast toast-" + kind,
        role: kind === "error" ? "alert" : "status",
        "data-testid": "toast",
        "data-msg": message,
      },
      h("span", { class: "toast-msg" }, message),
      h(
        "button",
        {
          type: "button",
          class: "toast-close",
          "aria-label": "Dismiss",
          "data-testid": "toast-close",
          onclick: function () {
            t.remove();
          },
        },
        "×"
      )
    );
    box.appendChild(t);
    if (ms !== 0) {
      setTimeout(function () {
        t.remove();
      }, ms || (kind === "error" ? 10000 : 4000));
    }
    return t;
  }

  // ---- mrkdwn -------------------------------------------------------------------------------

  var EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", ballot_box_with_check: "☑️", warning: "⚠️",
    x: "❌", negative_squared_cross_mark: "❎", tada: "🎉", handshake: "🤝", telephone_receiver: "📞",
    phone: "☎️", telephone: "☎️", iphone: "📱", calling: "📲", hourglass: "⌛",
    hourglass_flowing_sand: "⏳", palm_tree: "🌴", arrow_right: "➡️", arrow_left: "⬅️",
    arrow_up: "⬆️", arrow_down: "⬇️", spiral_calendar_pad: "🗓️", spiral_calendar: "🗓️",
    calendar: "📆", date: "📅", raised_hand: "✋", hand: "✋", raising_hand: "🙋", bell: "🔔",
    no_bell: "🔕", sunny: "☀️", rotating_light: "🚨", question: "❓", grey_question: "❔",
    exclamation: "❗", heavy_exclamation_mark: "❗", large_yellow_circle: "🟡", large_green_circle: "🟢",
    red_circle: "🔴", large_blue_circle: "🔵", white_circle: "⚪", black_circle: "⚫",
    alarm_clock: "⏰", stopwatch: "⏱️", clock9: "🕘", moneybag: "💰", money_with_wings: "💸",
    dollar: "💵", euro: "💶", pound: "💷", credit_card: "💳", bank: "🏦", receipt: "🧾",
    memo: "📝", pencil: "📝", pencil2: "✏️", clipboard: "📋", page_facing_up: "📄",
    file_folder: "📁", paperclip: "📎", link: "🔗", pushpin: "📌", mag: "🔍", lock: "🔒",
    inbox_tray: "📥", outbox_tray: "📤", envelope: "✉️", email: "📧", "e-mail": "📧",
    chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", bar_chart: "📊",
    eyes: "👀", "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", wave: "👋",
    clap: "👏", pray: "🙏", muscle: "💪", point_right: "👉", ok_hand: "👌",
    no_entry: "⛔", no_entry_sign: "🚫", stop_sign: "🛑", information_source: "ℹ️", bulb: "💡",
    busts_in_silhouette: "👥", bust_in_silhouette: "👤", speech_balloon: "💬", fire: "🔥",
    star: "⭐", rocket: "🚀", trophy: "🏆", scales: "⚖️", construction: "🚧", zzz: "💤",
    coffee: "☕", repeat: "🔁", arrows_counterclockwise: "🔄", heavy_plus_sign: "➕",
    heavy_minus_sign: "➖", robot_face: "🤖", smile: "😄", slightly_smiling_face: "🙂",
    thinking_face: "🤔", heart: "❤️", gear: "⚙️", label: "🏷️", sos: "🆘", new: "🆕", ok: "🆗",
    octagonal_sign: "🛑", leftwards_arrow_with_hook: "↩️", arrow_right_hook: "↪️", house: "🏠",
    house_with_garden: "🏡", office: "🏢", dart: "🎯", arrow_forward: "▶️", arrow_backward: "◀️",
    large_orange_circle: "🟠", large_purple_circle: "🟣", large_brown_circle: "🟤",
    large_orange_diamond: "🔶", large_blue_diamond: "🔷", small_orange_diamond: "🔸",
    small_blue_diamond: "🔹", small_red_triangle: "🔺", small_red_triangle_down: "🔻",
    arrow_up_small: "🔼", arrow_down_small: "🔽", arrow_heading_up: "⤴️", arrow_heading_down: "⤵️",
    arrows_clockwise: "🔃", heavy_multiplication_x: "✖️", heavy_division_sign: "➗",
    star2: "🌟", sparkles: "✨", medal: "🏅", sports_medal: "🏅", first_place_medal: "🥇",
    second_place_medal: "🥈", third_place_medal: "🥉", crown: "👑", briefcase: "💼", scroll: "📜",
    mailbox: "📫", incoming_envelope: "📨", envelope_with_arrow: "📩", loudspeaker: "📢", mega: "📣",
    speaking_head_in_silhouette: "🗣️", key: "🔑", unlock: "🔓", shield: "🛡️", no_mobile_phones: "📵",
    mute: "🔇", timer_clock: "⏲️", checkered_flag: "🏁", triangular_flag_on_post: "🚩",
    vertical_traffic_light: "🚦", traffic_light: "🚥", heavy_dollar_sign: "💲", yen: "💴",
    eye: "👁️", zap: "⚡", airplane: "✈️", beach_with_umbrella: "🏖️", sleeping: "😴",
    face_with_thermometer: "🤒", thermometer: "🌡️", baby: "👶", runner: "🏃", walking: "🚶",
    calendar_spiral: "🗓️", card_index: "📇", card_index_dividers: "🗂️", ledger: "📒", books: "📚",
    notebook: "📓", closed_book: "📕", green_book: "📗", blue_book: "📘", open_file_folder: "📂",
    chart: "💹", abacus: "🧮", hammer_and_wrench: "🛠️", wrench: "🔧", hammer: "🔨", pause_button: "⏸️",
    double_vertical_bar: "⏸️", black_square_for_stop: "⏹️", fast_forward: "⏩", rewind: "⏪",
    arrow_double_up: "⏫", arrow_double_down: "⏬", heavy_check: "✔️", grey_exclamation: "❕",
    interrobang: "⁉️", bangbang: "‼️", no_good: "🙅", man_gesturing_no: "🙅‍♂️", ok_woman: "🙆",
    person_frowning: "🙍", wave_tone: "👋", people_holding_hands: "🧑‍🤝‍🧑", family: "👪",
    clock1: "🕐", clock2: "🕑", clock3: "🕒", clock4: "🕓", clock5: "🕔", clock6: "🕕", clock7: "🕖",
    clock8: "🕗", clock10: "🕙", clock11: "🕚", clock12: "🕛", mantelpiece_clock: "🕰️", watch: "⌚",
    seedling: "🌱", chart_increasing: "📈", chart_decreasing: "📉", white_large_square: "⬜",
    black_large_square: "⬛", large_green_square: "🟩", large_yellow_square: "🟨", large_red_square: "🟥",
    large_orange_square: "🟧", large_blue_square: "🟦", radio_button: "🔘", link_chain: "🔗",
    fax: "📠", pager: "📟", postbox: "📮", package: "📦", label_tag: "🏷️", medal_military: "🎖️",
    handshake_tone: "🤝", partying_face: "🥳", confetti_ball: "🎊", gift: "🎁", hugging_face: "🤗",
    face_palm: "🤦", shrug: "🤷", mag_right: "🔎", bookmark: "🔖", bookmark_tabs: "📑",
    spiral_note_pad: "🗒️", ballot_box: "🗳️", tent: "⛺", hospital: "🏥", bank_building: "🏦",
  };

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

  function decode(s) {
    return String(s).replace(/&(amp|lt|gt|quot|#39);/g, function (m) {
      return ENTITIES[m];
    });
  }

  function emojify(s) {
    return String(s).replace(/:([a-z0-9_+'-]+):/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(EMOJI, name) ? EMOJI[name] : m;
    });
  }

  /** mrkdwn (already Slack-escaped) → a <div class="mrkdwn"> of DOM nodes. */
  function mrkdwn(text, inlineOnly) {
    var root = h(inlineOnly ? "span" : "div", { class: "mrkdwn" });
    var parts = String(text === null || text === undefined ? "" : text).split("```");
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      var isCode = i % 2 === 1 && i < parts.length - 1;
      if (isCode) {
        root.appendChild(h("pre", { class: "md-pre" }, decode(part.replace(/^\n/, "").replace(/\n$/, ""))));
      } else {
        if (i % 2 === 1) part = "```" + part; // an opening fence that never closes
        if (i > 0) part = part.replace(/^\n/, "");
        if (i < parts.length - 1) part = part.replace(/\n$/, "");
        renderLines(part, root);
      }
    }
    return root;
  }

  var QUOTE = /^(?:&gt;|>) ?/;
  var BIG_QUOTE = /^(?:&gt;&gt;&gt;|>>>) ?/;

  function renderLines(segment, root) {
    if (!segment) return;
    var lines = segment.split("\n");
    var quote = null;
    var pendingBreak = false;
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (BIG_QUOTE.test(line)) {
        var rest = [line.replace(BIG_QUOTE, "")].concat(lines.slice(i + 1));
        var big = h("blockquote", { class: "md-quote" });
        rest.forEach(function (l, k) {
          if (k) big.appendChild(h("br"));
          inline(l, big);
        });
        root.appendChild(big);
        return;
      }
      if (QUOTE.test(line)) {
        if (!quote) {
          quote = h("blockquote", { class: "md-quote" });
          root.appendChild(quote);
        } else {
          quote.appendChild(h("br"));
        }
        inline(line.replace(QUOTE, ""), quote);
        pendingBreak = false;
        continue;
      }
      if (pendingBreak) root.appendChild(h("br"));
      quote = null;
      inline(line, root);
      pendingBreak = true;
    }
  }

  function isWordChar(c) {
    return !!c && /[A-Za-z0-9]/.test(c);
  }

  function isSpace(c) {
    return !c || /\s/.test(c);
  }

  function canOpen(s, i) {
    var next = s.charAt(i + 1);
    return !isWordChar(s.charAt(i - 1)) && next && !isSpace(next) && next !== s.charAt(i);
  }

  function findClose(s, i, marker) {
    for (var k = i + 2; k < s.length; k++) {
      var c = s.charAt(k);
      if (c === "<") {
        var gt = s.indexOf(">", k + 1);
        if (gt > k) k = gt;
        continue;
      }
      if (c === "`") {
        var tick = s.indexOf("`", k + 1);
        if (tick > k) k = tick;
        continue;
      }
      if (c === marker && !isSpace(s.charAt(k - 1)) && !isWordChar(s.charAt(k + 1))) return k;
    }
    return -1;
  }

  var STYLE_TAGS = { "*": ["strong", "md-b"], _: ["em", "md-i"], "~": ["del", "md-s"] };

  function inline(s, out) {
    var buf = "";
    function flush() {
      if (buf) {
        out.appendChild(document.createTextNode(decode(buf)));
        buf = "";
      }
    }
    var i = 0;
    while (i < s.length) {
      var c = s.charAt(i);
      if (c === "<") {
        var j = s.indexOf(">", i + 1);
        if (j > i + 1) {
          flush();
          out.appendChild(special(s.slice(i + 1, j)));
          i = j + 1;
          continue;
        }
      } else if (c === "`") {
        var t = s.indexOf("`", i + 1);
        if (t > i + 1) {
          flush();
          out.appendChild(h("code", { class: "md-code" }, decode(s.slice(i + 1, t))));
          i = t + 1;
          continue;
        }
      } else if (STYLE_TAGS[c]) {
        if (canOpen(s, i)) {
          var close = findClose(s, i, c);
          if (close > 0) {
            flush();
            var el = h(STYLE_TAGS[c][0], { class: STYLE_TAGS[c][1] });
            inline(s.slice(i + 1, close), el);
            out.appendChild(el);
            i = close + 1;
            continue;
          }
        }
      } else if (c === ":") {
        var m = /^:([a-z0-9_+'-]+):/.exec(s.slice(i));
        if (m && Object.prototype.hasOwnProperty.call(EMOJI, m[1])) {
          flush();
          out.appendChild(h("span", { class: "emoji", title: m[0], role: "img", "aria-label": m[1] }, EMOJI[m[1]]));
          i += m[0].length;
          continue;
        }
      }
      buf += c;
      i++;
    }
    flush();
  }

  function special(inner) {
    var bar = inner.indexOf("|");
    var target = bar >= 0 ? inner.slice(0, bar) : inner;
    var label = bar >= 0 ? inner.slice(bar + 1) : null;
    var first = target.charAt(0);
    if (first === "@") {
      var uid = target.slice(1);
      var name = personName(uid) || (label ? decode(label).replace(/^@/, "") : uid);
      return h("span", { class: "mention", "data-user": uid }, "@" + name);
    }
    if (first === "#") {
      var cid = target.slice(1);
      var conv = convById(cid);
      var cname = label ? decode(label) : conv ? (conv.kind === "dm" ? "collect-bot" : conv.name) : cid;
      return h("span", { class: "mention mention-channel", "data-channel": cid }, "#" + cname);
    }
    if (first === "!") {
      var cmd = target.slice(1);
      if (cmd === "here" || cmd === "channel" || cmd === "everyone") {
        return h("span", { class: "mention mention-broadcast" }, "@" + cmd);
      }
      if (cmd.indexOf("date^") === 0) return slackDate(cmd, label);
      if (cmd.indexOf("subteam^") === 0) {
        return h("span", { class: "mention" }, label ? decode(label) : "@" + cmd.slice(8));
      }
      return document.createTextNode(label !== null ? decode(label) : cmd);
    }
    if (/^(https?:\/\/|mailto:|tel:)/i.test(target)) {
      var href = decode(target);
      var text = label !== null && label !== "" ? decode(label) : href.replace(/^(mailto|tel):/i, "");
      if (href.indexOf(window.location.origin + "/") === 0) {
        return h("a", { class: "md-link", href: href, "data-testid": "permalink" }, text);
      }
      return h("a", { class: "md-link", href: href, target: "_blank", rel: "noopener noreferrer" }, text);
    }
    // Anything else (an unknown scheme such as javascript:) is shown as text, never as a link.
    return document.createTextNode(label !== null && label !== "" ? decode(label) : decode("<" + inner + ">"));
  }

  /** <!date^epoch^format^link|fallback>: the time in the viewer's zone (the sandbox's people work
   *  in the team's), as Slack shows it; the fallback where it cannot be read, and as the tooltip. */
  function slackDate(cmd, label) {
    var bits = cmd.split("^");
    var epoch = /^-?\d+$/.test(bits[1] || "") ? parseInt(bits[1], 10) : NaN;
    var formatted = "";
    if (isFinite(epoch)) {
      try {
        formatted = formatSlackDate(epoch, decode(bits[2] || "{date_short} {time}"));
      } catch (e) {
        formatted = "";
      }
    }
    var fallback = label !== null ? decode(label) : "";
    var shown = formatted || fallback || cmd;
    var attrs = { class: "md-date", title: fallback && fallback !== shown ? fallback : null, "data-testid": "date" };
    if (isFinite(epoch)) attrs["data-epoch"] = epoch;
    var node = h("time", attrs, shown);
    if (bits[3] && /^https?:\/\//i.test(decode(bits[3]))) {
      return h("a", { class: "md-link", href: decode(bits[3]), target: "_blank", rel: "noopener noreferrer" }, node);
    }
    return node;
  }

  function formatSlackDate(epoch, fmt) {
    var d = new Date(epoch * 1000);
    var zone = teamZone();
    function f(opts) {
      return d.toLocaleDateString("en-US", Object.assign({ timeZone: zone }, opts));
    }
    function dayNumber(date) {
      // Days since the epoch of the date's calendar day in the viewer's zone.
      var p = {};
      new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "numeric", day: "numeric" })
        .formatToParts(date)
        .forEach(function (x) {
          p[x.type] = x.value;
        });
      return Math.round(Date.UTC(+p.year, +p.month - 1, +p.day) / 86400000);
    }
    function pretty(fallback) {
      var now = S.state && S.state.now ? new Date(S.state.now) : new Date();
      if (isNaN(now.getTime())) now = new Date();
      var diff = dayNumber(d) - dayNumber(now);
      if (diff === 0) return "today";
      if (diff === -1) return "yesterday";
      if (diff === 1) return "tomorrow";
      return fallback();
    }
    var tokens = {
      date_num: function () {
        var day = new Date(dayNumber(d) * 86400000);
        return day.toISOString().slice(0, 10);
      },
      date: function () {
        return f({ month: "long", day: "numeric", year: "numeric" });
      },
      date_short: function () {
        return f({ month: "short", day: "numeric", year: "numeric" });
      },
      date_long: function () {
        return f({ weekday: "long", month: "long", day: "numeric", year: "numeric" });
      },
      date_pretty: function () {
        return pretty(tokens.date);
      },
      date_short_pretty: function () {
        return pretty(tokens.date_short);
      },
      date_long_pretty: function () {
        return pretty(tokens.date_long);
      },
      time: function () {
        return d.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", timeZone: zone });
      },
      time_secs: function () {
        return d.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", second: "2-digit", timeZone: zone });
      },
      ago: function () {
        var now = S.state && S.state.now ? new Date(S.state.now) : new Date();
        var minutes = Math.round((now.getTime() - d.getTime()) / 60000);
        var later = minutes < 0;
        minutes = Math.abs(minutes);
        var said =
          minutes < 1 ? "just now" : minutes < 60 ? minutes + " minute" + (minutes === 1 ? "" : "s")
          : minutes < 1440 ? Math.round(minutes / 60) + " hour" + (Math.round(minutes / 60) === 1 ? "" : "s")
          : Math.round(minutes / 1440) + " day" + (Math.round(minutes / 1440) === 1 ? "" : "s");
        return minutes < 1 ? said : later ? "in " + said : said + " ago";
      },
    };
    return fmt.replace(/\{(\w+)\}/g, function (m, k) {
      return tokens[k] ? tokens[k]() : m;
    });
  }

  /** A text object (plain_text or mrkdwn) as a node. */
  function textNode(obj, inlineOnly) {
    if (obj === null || obj === undefined) return null;
    if (typeof obj === "string") return h("span", { class: "plain" }, obj);
    if (obj.type === "mrkdwn") return mrkdwn(obj.text, inlineOnly);
    return h("span", { class: "plain" }, plainStr(obj));
  }

  function plainStr(obj) {
    if (obj === null || obj === undefined) return "";
    if (typeof obj === "string") return obj;
    var text = String(obj.text === undefined || obj.text === null ? "" : obj.text);
    if (obj.type === "mrkdwn") return decode(text);
    return obj.emoji === false ? text : emojify(text);
  }

  // ---- Block Kit ----------------------------------------------------------------------------

  function unsupported(what) {
    return h("div", { class: "unsupported", "data-testid": "unsupported" }, "unsupported block" + (what ? " (" + what + ")" : ""));
  }

  function renderBlocks(blocks, ctx) {
    var wrap = h("div", { class: "blocks" });
    (blocks || []).forEach(function (b, i) {
      var node;
      try {
        node = renderBlock(b || {}, ctx, i);
      } catch (e) {
        console.error("block", b, e);
        node = unsupported((b && b.type) || "?");
      }
      if (node) wrap.appendChild(node);
    });
    return wrap;
  }

  function blockCtx(ctx, b, i) {
    var c = Object.assign({}, ctx);
    c.blockId = b.block_id || null;
    c.blockIndex = i;
    return c;
  }

  function renderBlock(b, ctx, i) {
    var bctx = blockCtx(ctx, b, i);
    var attrs = { class: "block b-" + (b.type || "unknown"), "data-block-type": b.type || "" };
    if (b.block_id) attrs["data-block-id"] = b.block_id;
    switch (b.type) {
      case "header":
        attrs.role = "heading";
        attrs["aria-level"] = "3";
        return h("div", attrs, plainStr(b.text));
      case "section":
        return renderSection(b, bctx, attrs);
      case "context":
        return h(
          "div",
          attrs,
          (b.elements || []).map(function (el) {
            if (el.type === "image") {
              return h("img", { class: "ctx-img", src: el.image_url, alt: el.alt_text || "", loading: "lazy" });
            }
            return h("span", { class: "ctx-text" }, textNode(el, true));
          })
        );
      case "divider":
        return h("hr", attrs);
      case "actions":
        return h(
          "div",
          attrs,
          (b.elements || []).map(function (el, k) {
            return renderElement(el, bctx, "actions", k);
          })
        );
      case "image":
        return h(
          "figure",
          attrs,
          b.title ? h("figcaption", { class: "img-title" }, plainStr(b.title)) : null,
          h("img", { class: "b-image-img", src: b.image_url, alt: b.alt_text || "", loading: "lazy", onload: imageLoaded })
        );
      case "input":
        return renderInput(b, bctx, i);
      case "rich_text":
        return renderRichText(b, attrs);
      default:
        return unsupported(b.type);
    }
  }

  function renderSection(b, bctx, attrs) {
    var body = h("div", { class: "section-body" });
    if (b.text) body.appendChild(h("div", { class: "section-text" }, textNode(b.text)));
    if (b.fields && b.fields.length) {
      body.appendChild(
        h(
          "div",
          { class: "section-fields" },
          b.fields.map(function (f) {
            return h("div", { class: "section-field" }, textNode(f));
          })
        )
      );
    }
    var el = h("div", attrs, body);
    if (b.accessory) {
      el.appendChild(h("div", { class: "section-accessory" }, renderElement(b.accessory, bctx, "accessory", 0)));
    }
    return el;
  }

  function renderElement(el, bctx, place, idx) {
    el = el || {};
    var key = [bctx.area, bctx.key || "", bctx.blockIndex, bctx.blockId || "", place, idx].join("|");
    var inModal = bctx.kind === "modal";
    switch (el.type) {
      case "button":
        return buttonEl(el, bctx);
      case "overflow":
        return overflowEl(el, bctx, key);
      case "static_select":
        return staticSelect(el, {
          label: plainStr(el.placeholder) || "Select an item",
          onChange: inModal
            ? null
            : function (opt) {
                if (opt) act(bctx, el, { selected_option: opt });
              },
        }).control;
      case "users_select": {
        // Slack lists the workspace's people; the sandbox lists the roster.
        var asStatic = Object.assign({}, el, {
          options: peopleOptions(),
          initial_option: el.initial_user ? { value: el.initial_user } : null,
        });
        return staticSelect(asStatic, {
          label: plainStr(el.placeholder) || "Select a person",
          onChange: inModal
            ? null
            : function (opt) {
                if (opt) act(bctx, el, { selected_user: opt.value });
              },
        }).control;
      }
      case "external_select":
        return externalSelect(el, {
          viewId: bctx.viewId || null,
          blockId: bctx.blockId,
          label: plainStr(el.placeholder) || "Select an item",
          onPick: inModal
            ? null
            : function (opt) {
                act(bctx, el, { selected_option: opt });
              },
        }).control;
      case "datepicker":
        var date = h("input", {
          type: "date",
          class: "input date-input",
          value: el.initial_date || null,
          "aria-label": plainStr(el.placeholder) || "Pick a date",
          "data-action-id": el.action_id || null,
        });
        if (!inModal) {
          date.addEventListener("change", function () {
            if (date.value) act(bctx, el, { selected_date: date.value });
          });
        }
        return date;
      case "image":
        return h("img", { class: "accessory-img", src: el.image_url, alt: el.alt_text || "", loading: "lazy" });
      case "checkboxes":
      case "radio_buttons":
        return choiceList(el, bctx, inModal);
      case "timepicker":
        var clock = h("input", { type: "time", class: "input", value: el.initial_time || null, "data-action-id": el.action_id || null });
        if (!inModal) {
          clock.addEventListener("change", function () {
            if (clock.value) act(bctx, el, { selected_time: clock.value });
          });
        }
        return clock;
      case "multi_static_select":
      case "multi_users_select":
      case "conversations_select":
      case "channels_select":
      case "multi_conversations_select":
      case "multi_channels_select":
        // Shown, not used: the bot sends none of these today; a later one reads as a select, not as a fault.
        return h("span", { class: "input select select-shown", "data-action-id": el.action_id || null }, plainStr(el.placeholder) || "Select");
    }
    return h("span", { class: "unsupported" }, "unsupported element" + (el.type ? " (" + el.type + ")" : ""));
  }

  function peopleOptions() {
    return people().map(function (person) {
      return { text: { type: "plain_text", text: person.name }, value: person.id };
    });
  }

  /** checkboxes and radio_buttons: the options as boxes; outside a form each change is an action. */
  function choiceList(el, bctx, inModal) {
    var multiple = el.type === "checkboxes";
    var name = "choice-" + ++extCounter;
    var chosen = (multiple ? el.initial_options || [] : el.initial_option ? [el.initial_option] : []).map(function (o) {
      return o.value;
    });
    var box = h("div", { class: "choices", role: multiple ? "group" : "radiogroup", "data-action-id": el.action_id || null });
    (el.options || []).forEach(function (o) {
      var input = h("input", { type: multiple ? "checkbox" : "radio", name: name, value: o.value, checked: chosen.indexOf(o.value) >= 0 });
      if (!inModal) {
        input.addEventListener("change", function () {
          var picked = Array.prototype.filter
            .call(box.querySelectorAll("input"), function (x) {
              return x.checked;
            })
            .map(function (x) {
              return { value: x.value };
            });
          act(bctx, el, multiple ? { selected_options: picked } : { selected_option: picked[0] || null });
        });
      }
      box.appendChild(h("label", { class: "choice" }, input, " ", textNode(o.text, true), o.description ? h("span", { class: "choice-sub" }, plainStr(o.description)) : null));
    });
    return box;
  }

  function buttonEl(el, bctx) {
    var cls = "btn" + (el.style === "primary" ? " btn-primary" : el.style === "danger" ? " btn-danger" : "");
    var btn = h(
      "button",
      { type: "button", class: cls, "data-action-id": el.action_id || null, title: el.accessibility_label || null },
      plainStr(el.text)
    );
    btn.addEventListener("click", function () {
      confirmThen(el.confirm, function () {
        if (el.url) window.open(el.url, "_blank", "noopener");
        var extra = {};
        if (el.value !== undefined) extra.value = el.value;
        act(bctx, el, extra, btn);
      });
    });
    return btn;
  }

  /** An element's action, posted to /api/action like Slack's block_actions. */
  function act(ctx, el, extra, btn) {
    var action = { action_id: el.action_id || null, block_id: ctx.blockId || null, type: el.type };
    Object.keys(extra || {}).forEach(function (k) {
      action[k] = extra[k];
    });
    var isMessage = ctx.kind === "message";
    var body = {
      user: S.user,
      channel: isMessage ? ctx.conv : null,
      message_ts: isMessage ? ctx.ts : null,
      view_id: isMessage ? null : ctx.viewId || null,
      action: action,
    };
    if (isMessage && ctx.ephemeral) body.ephemeral = true;
    if (btn) btn.classList.add("is-busy");
    return post("/api/action", body).then(function (res) {
      if (btn) btn.classList.remove("is-busy");
      return res;
    });
  }

  // -- overflow menus --

  function overflowEl(el, bctx, key) {
    var btn = h(
      "button",
      {
        type: "button",
        class: "btn btn-overflow",
        "aria-label": "More options",
        "aria-haspopup": "menu",
        "aria-expanded": "false",
        "data-testid": "overflow",
        "data-action-id": el.action_id || null,
        "data-menu-key": key,
      },
      "⋯"
    );
    btn._overflow = { el: el, bctx: bctx };
    btn.addEventListener("click", function (e) {
      e.stopPropagation();
      if (S.menu && S.menu.key === key) closeMenu();
      else openMenu(btn);
    });
    return btn;
  }

  function openMenu(btn, keepFocus) {
    closeMenu();
    var info = btn._overflow;
    var menu = h("div", { class: "menu", role: "menu", "data-testid": "overflow-menu" });
    (info.el.options || []).forEach(function (o) {
      menu.appendChild(
        h(
          "button",
          {
            type: "button",
            role: "menuitem",
            class: "menu-item",
            "data-value": o.value,
            onclick: function (e) {
              e.stopPropagation();
              closeMenu();
              if (info.pick) {
                info.pick(o);
                return;
              }
              confirmThen(info.el.confirm, function () {
                if (o.url) window.open(o.url, "_blank", "noopener");
                act(info.bctx, info.el, { selected_option: { text: o.text, value: o.value } });
              });
            },
          },
          plainStr(o.text)
        )
      );
    });
    menu.addEventListener("keydown", function (e) {
      var items = Array.prototype.slice.call(menu.querySelectorAll(".menu-item"));
      var at = items.indexOf(document.activeElement);
      if (e.key === "ArrowDown") {
        e.preventDefault();
        items[(at + 1) % items.length].focus();
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        items[(at - 1 + items.length) % items.length].focus();
      }
    });
    document.body.appendChild(menu);
    S.menu = { key: btn.dataset.menuKey, menu: menu, btn: btn };
    btn.setAttribute("aria-expanded", "true");
    btn.classList.add("is-open");
    placeMenu();
    if (!keepFocus) {
      var first = menu.querySelector(".menu-item");
      if (first) first.focus({ preventScroll: true });
    }
  }

  // -- shortcuts: ⚡ by the composer (global ones), a message's ⋯ (message ones), as in Slack --

  function shortcutsOf(type) {
    return ((S.state && S.state.shortcuts) || []).filter(function (s) {
      return s.type === type;
    });
  }

  function shortcutMenu(btn, type, where) {
    btn._overflow = {
      el: {
        options: shortcutsOf(type).map(function (s) {
          return { text: { type: "plain_text", text: s.name }, value: s.callback_id };
        }),
      },
      pick: function (o) {
        var body = { user: S.user, callback_id: o.value };
        Object.keys(where()).forEach(function (k) {
          body[k] = where()[k];
        });
        post("/api/shortcut", body);
      },
    };
    btn.addEventListener("click", function (e) {
      e.stopPropagation();
      if (S.menu && S.menu.key === btn.dataset.menuKey) closeMenu();
      else openMenu(btn);
    });
    return btn;
  }

  function placeMenu() {
    if (!S.menu) return;
    var r = S.menu.btn.getBoundingClientRect();
    var m = S.menu.menu;
    var w = m.offsetWidth;
    var hgt = m.offsetHeight;
    var left = Math.max(8, Math.min(r.right - w, window.innerWidth - w - 8));
    var top = r.bottom + 4;
    if (top + hgt > window.innerHeight - 8) top = Math.max(8, r.top - hgt - 4);
    m.style.left = left + "px";
    m.style.top = top + "px";
  }

  function closeMenu() {
    if (!S.menu) return;
    S.menu.menu.remove();
    S.menu.btn.setAttribute("aria-expanded", "false");
    S.menu.btn.classList.remove("is-open");
    S.menu = null;
  }

  /** After a re-render, reopen the menu that was open on its new button. */
  function restoreMenu() {
    if (!S.menu) return;
    var key = S.menu.key;
    var found = Array.prototype.find.call(document.querySelectorAll("[data-menu-key]"), function (b) {
      return b.dataset.menuKey === key;
    });
    if (!found) {
      closeMenu();
      return;
    }
    if (found !== S.menu.btn) {
      var hadFocus = S.menu.menu.contains(document.activeElement);
      openMenu(found, !hadFocus);
    } else {
      placeMenu();
    }
  }

  // -- confirm dialogs (an element's `confirm` object) --

  function confirmThen(conf, go) {
    if (!conf) {
      go();
      return;
    }
    var root = $("confirm-root");
    function done(ok) {
      root.replaceChildren();
      if (ok) go();
    }
    var dialog = h(
      "div",
      { class: "modal modal-small", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "confirm-title", "data-testid": "confirm" },
      h("header", { class: "modal-head" }, h("h2", { class: "modal-title", id: "confirm-title" }, plainStr(conf.title) || "Are you sure?")),
      h("div", { class: "modal-body" }, textNode(conf.text)),
      h(
        "footer",
        { class: "modal-foot" },
        h("button", { type: "button", class: "btn", "data-testid": "confirm-cancel", onclick: function () { done(false); } }, plainStr(conf.deny) || "Cancel"),
        h(
          "button",
          {
            type: "button",
            class: "btn " + (conf.style === "danger" ? "btn-danger" : "btn-primary"),
            "data-testid": "confirm-ok",
            onclick: function () {
              done(true);
            },
          },
          plainStr(conf.confirm) || "Yes"
        )
      )
    );
    var backdrop = h("div", { class: "backdrop backdrop-top" }, dialog);
    backdrop.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        e.stopPropagation();
        done(false);
      }
    });
    root.replaceChildren(backdrop);
    dialog.querySelector("[data-testid=confirm-ok]").focus();
  }

  // -- selects --

  function optionsOf(el) {
    var flat = [];
    (el.option_groups || []).forEach(function (g) {
      (g.options || []).forEach(function (o) {
        flat.push(o);
      });
    });
    (el.options || []).forEach(function (o) {
      flat.push(o);
    });
    return flat;
  }

  function slimOption(o) {
    return o ? { text: o.text, value: o.value } : null;
  }

  /** A native <select>. Returns {control, get(), set(option)}. */
  function staticSelect(el, opts) {
    var sel = h("select", {
      class: "input select",
      id: opts.id || null,
      "data-testid": opts.testid || null,
      "data-action-id": el.action_id || null,
      "aria-label": opts.id ? null : opts.label,
    });
    sel.appendChild(h("option", { value: "", disabled: true }, plainStr(el.placeholder) || "Select an item"));
    function add(parent, o) {
      var opt = h("option", { value: o.value === undefined ? "" : String(o.value) }, plainStr(o.text));
      opt._slack = o;
      parent.appendChild(opt);
    }
    if (el.option_groups && el.option_groups.length) {
      el.option_groups.forEach(function (g) {
        var group = h("optgroup", { label: plainStr(g.label) });
        (g.options || []).forEach(function (o) {
          add(group, o);
        });
        sel.appendChild(group);
      });
    }
    (el.options || []).forEach(function (o) {
      add(sel, o);
    });
    function set(o) {
      sel.value = o && o.value !== undefined ? String(o.value) : "";
      if (sel.selectedIndex < 0) sel.value = "";
    }
    function get() {
      var o = sel.selectedOptions[0];
      return o && o._slack ? slimOption(o._slack) : null;
    }
    set(el.initial_option);
    sel.addEventListener("change", function () {
      if (opts.onChange) opts.onChange(get());
    });
    return { control: sel, focusable: sel, get: get, set: set };
  }

  var extCounter = 0;

  /** external_select: a text box that asks /api/options as the person types. */
  function externalSelect(el, opts) {
    var listId = "ext-list-" + ++extCounter;
    var input = h("input", {
      type: "text",
      id: opts.id || null,
      class: "input ext-input",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": listId,
      "aria-label": opts.id ? null : opts.label,
      autocomplete: "off",
      spellcheck: "false",
      placeholder: plainStr(el.placeholder) || "Select an item",
      "data-testid": opts.testid || null,
      "data-action-id": el.action_id || null,
    });
    var list = h("ul", { class: "ext-list", role: "listbox", id: listId, "data-testid": "ext-options", hidden: true });
    var wrap = h("div", { class: "ext" }, input, h("span", { class: "ext-caret", "aria-hidden": "true" }, "▾"), list);
    var minLen = typeof el.min_query_length === "number" ? el.min_query_length : 3;
    var selected = slimOption(el.initial_option);
    var seq = 0;
    var timer = null;
    var items = [];
    var active = -1;
    var focused = false;

    function show() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function message(text) {
      items = [];
      active = -1;
      list.replaceChildren(h("li", { class: "ext-msg", role: "presentation" }, text));
      show();
    }

    function highlight(n) {
      items.forEach(function (it, k) {
        it.li.classList.toggle("active", k === n);
        it.li.setAttribute("aria-selected", k === n ? "true" : "false");
      });
      active = n;
      if (n >= 0 && items[n]) {
        input.setAttribute("aria-activedescendant", items[n].li.id);
        items[n].li.scrollIntoView({ block: "nearest" });
      }
    }

    function choose(o) {
      selected = slimOption(o);
      input.value = plainStr(o.text);
      close();
      if (opts.onChange) opts.onChange();
      if (opts.onPick) opts.onPick(selected);
    }

    function lookup(q) {
      clearTimeout(timer);
      if (q.length < minLen) {
        message("Type at least " + minLen + " character" + (minLen === 1 ? "" : "s"));
        return;
      }
      var mine = ++seq;
      message("Searching…");
      post(
        "/api/options",
        { user: S.user, view_id: opts.viewId, block_id: opts.blockId, action_id: el.action_id, value: q },
        { quiet: true }
      ).then(function (res) {
        if (mine !== seq || !focused) return;
        if (!res) {
          close();
          return;
        }
        var groups = res.option_groups && res.option_groups.length ? res.option_groups : [{ options: res.options || [] }];
        list.replaceChildren();
        items = [];
        groups.forEach(function (g) {
          if (g.label) list.appendChild(h("li", { class: "ext-group", role: "presentation" }, plainStr(g.label)));
          (g.options || []).forEach(function (o) {
            var li = h(
              "li",
              {
                class: "ext-option",
                role: "option",
                id: listId + "-" + items.length,
                "aria-selected": "false",
                "data-testid": "ext-option",
                "data-value": o.value,
              },
              plainStr(o.text),
              o.description ? h("span", { class: "ext-desc" }, plainStr(o.description)) : null
            );
            li.addEventListener("mousedown", function (e) {
              e.preventDefault(); // keep the focus in the box
            });
            li.addEventListener("click", function () {
              choose(o);
            });
            items.push({ li: li, option: o });
            list.appendChild(li);
          });
        });
        if (!items.length) {
          message("No results");
          return;
        }
        show();
        highlight(0);
      });
    }

    input.addEventListener("focus", function () {
      focused = true;
      if (minLen === 0 || input.value.trim().length >= minLen) lookup(selected ? "" : input.value.trim());
      if (minLen === 0 || selected) input.select();
    });
    input.addEventListener("click", function () {
      // A click on the box while it already has the focus opens the list again.
      if (focused && list.hidden && (minLen === 0 || input.value.trim().length >= minLen)) {
        lookup(selected ? "" : input.value.trim());
      }
    });
    input.addEventListener("input", function () {
      selected = null;
      if (opts.onChange) opts.onChange();
      clearTimeout(timer);
      timer = setTimeout(function () {
        lookup(input.value.trim());
      }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden) lookup(input.value.trim());
        else if (items.length) highlight((active + 1) % items.length);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (items.length) highlight((active - 1 + items.length) % items.length);
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (!list.hidden && items.length) choose(items[Math.max(active, 0)].option);
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
      }
    });
    input.addEventListener("blur", function () {
      focused = false;
      seq++;
      clearTimeout(timer);
      close();
      input.value = selected ? plainStr(selected.text) : "";
    });
    input.value = selected ? plainStr(selected.text) : "";

    return {
      control: wrap,
      focusable: input,
      get: function () {
        return selected;
      },
      set: function (o) {
        selected = slimOption(o);
        input.value = selected ? plainStr(selected.text) : "";
      },
    };
  }

  // -- input blocks (modals) --

  function safeId(s) {
    return String(s).replace(/[^A-Za-z0-9_-]/g, "_");
  }

  function renderInput(b, bctx, i) {
    var el = b.element || {};
    var bid = b.block_id || "input-" + i;
    var id = "f-" + safeId(bid) + "-" + i;
    var hintId = id + "-hint";
    var errId = id + "-err";
    var testid = "input-" + bid;
    var field = { blockId: bid, actionId: el.action_id || "", type: el.type, optional: !!b.optional, el: el };
    var control = null;
    var focusable = null;
    var onEdit = function () {
      showFieldError(field, null);
    };

    switch (el.type) {
      case "plain_text_input": {
        var text = el.multiline
          ? h("textarea", { class: "input textarea", rows: "4" })
          : h("input", { type: "text", class: "input" });
        setAttrs(text, {
          id: id,
          placeholder: plainStr(el.placeholder) || null,
          maxlength: el.max_length || null,
          "data-testid": testid,
          "data-action-id": el.action_id || null,
          "aria-describedby": hintId + " " + errId,
          "aria-required": b.optional ? null : "true",
        });
        if (el.initial_value) text.value = el.initial_value;
        text.addEventListener("input", onEdit);
        control = focusable = text;
        field.get = function () {
          return { type: "plain_text_input", value: text.value === "" ? null : text.value };
        };
        field.raw = function () {
          return text.value;
        };
        field.restore = function (v) {
          text.value = v;
        };
        field.problem = function () {
          var v = text.value;
          if (!v.trim()) return b.optional ? null : "Please complete this required field.";
          if (el.min_length && v.length < el.min_length) return "Must be at least " + el.min_length + " characters.";
          if (el.max_length && v.length > el.max_length) return "Must be at most " + el.max_length + " characters.";
          return null;
        };
        break;
      }
      case "number_input": {
        var num = h("input", {
          type: "text",
          class: "input",
          id: id,
          inputmode: el.is_decimal_allowed ? "decimal" : "numeric",
          placeholder: plainStr(el.placeholder) || null,
          "data-testid": testid,
          "data-action-id": el.action_id || null,
          "aria-describedby": hintId + " " + errId,
          "aria-required": b.optional ? null : "true",
        });
        if (el.initial_value !== undefined && el.initial_value !== null) num.value = String(el.initial_value);
        num.addEventListener("input", onEdit);
        control = focusable = num;
        field.get = function () {
          var v = num.value.trim();
          return { type: "number_input", value: v === "" ? null : v };
        };
        field.raw = function () {
          return num.value;
        };
        field.restore = function (v) {
          num.value = v;
        };
        field.problem = function () {
          var v = num.value.trim();
          if (!v) return b.optional ? null : "Please complete this required field.";
          var re = el.is_decimal_allowed ? /^-?(\d+\.?\d*|\.\d+)$/ : /^-?\d+$/;
          if (!re.test(v)) return el.is_decimal_allowed ? "Enter a number." : "Enter a whole number.";
          var n = parseFloat(v);
          if (el.min_value !== undefined && n < parseFloat(el.min_value)) return "Enter a number of at least " + el.min_value + ".";
          if (el.max_value !== undefined && n > parseFloat(el.max_value)) return "Enter a number of at most " + el.max_value + ".";
          return null;
        };
        break;
      }
      case "static_select":
      case "external_select": {
        var isStatic = el.type === "static_select";
        var made = isStatic
          ? staticSelect(el, { id: id, testid: testid, onChange: onEdit })
          : externalSelect(el, { id: id, testid: testid, viewId: bctx.viewId || null, blockId: bid, onChange: onEdit });
        control = made.control;
        focusable = made.focusable;
        setAttrs(focusable, { "aria-describedby": hintId + " " + errId, "aria-required": b.optional ? null : "true" });
        field.get = function () {
          return { type: el.type, selected_option: made.get() };
        };
        field.raw = made.get;
        field.restore = made.set;
        field.problem = function () {
          return !b.optional && !made.get() ? "Please complete this required field." : null;
        };
        break;
      }
      case "users_select": {
        // Slack lists the workspace's people; the sandbox lists the roster.
        var picker = staticSelect(
          Object.assign({}, el, { options: peopleOptions(), initial_option: el.initial_user ? { value: el.initial_user } : null }),
          { id: id, testid: testid, onChange: onEdit }
        );
        control = picker.control;
        focusable = picker.focusable;
        field.get = function () {
          var o = picker.get();
          return { type: "users_select", selected_user: o ? o.value : null };
        };
        field.raw = picker.get;
        field.restore = picker.set;
        field.problem = function () {
          return !b.optional && !picker.get() ? "Please complete this required field." : null;
        };
        break;
      }
      case "datepicker": {
        var date = h("input", {
          type: "date",
          class: "input date-input",
          id: id,
          value: el.initial_date || null,
          "data-testid": testid,
          "data-action-id": el.action_id || null,
          "aria-describedby": hintId + " " + errId,
          "aria-required": b.optional ? null : "true",
        });
        date.addEventListener("input", onEdit);
        date.addEventListener("change", onEdit);
        control = focusable = date;
        field.get = function () {
          return { type: "datepicker", selected_date: date.value || null };
        };
        field.raw = function () {
          return date.value;
        };
        field.restore = function (v) {
          date.value = v;
        };
        field.problem = function () {
          return !b.optional && !date.value ? "Please complete this required field." : null;
        };
        break;
      }
      default:
        control = h("span", { class: "unsupported" }, "unsupported input (" + (el.type || "?") + ")");
        field = null;
    }

    var wrap = h(
      "div",
      { class: "block b-input field", "data-testid": "block-" + bid, "data-block-id": bid },
      h(
        "label",
        { class: "field-label", for: focusable ? id : null },
        plainStr(b.label),
        b.optional ? h("span", { class: "optional" }, " (optional)") : null
      ),
      control,
      b.hint ? h("div", { class: "field-hint", id: hintId }, plainStr(b.hint)) : null,
      h("div", { class: "field-error", id: errId, role: "alert", "data-testid": "error-" + bid, hidden: true })
    );
    if (field) {
      field.wrap = wrap;
      field.focusable = focusable;
      field.errorEl = wrap.querySelector(".field-error");
      if (bctx.fields) bctx.fields.push(field);
    }
    return wrap;
  }

  function setAttrs(el, attrs) {
    if (!el) return;
    Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) el.setAttribute(k, String(attrs[k]));
    });
  }

  function showFieldError(field, message) {
    if (!field || !field.errorEl) return;
    field.errorEl.textContent = message || "";
    field.errorEl.hidden = !message;
    field.wrap.classList.toggle("has-error", !!message);
    if (field.focusable) {
      if (message) field.focusable.setAttribute("aria-invalid", "true");
      else field.focusable.removeAttribute("aria-invalid");
    }
  }

  // -- rich_text (what Slack makes of typed messages) --

  function renderRichText(b, attrs) {
    var el = h("div", attrs);
    (b.elements || []).forEach(function (part) {
      el.appendChild(richPart(part));
    });
    return el;
  }

  function richPart(part) {
    switch (part.type) {
      case "rich_text_section":
        return h("div", { class: "rt-section" }, richInline(part.elements));
      case "rich_text_preformatted":
        return h("pre", { class: "md-pre" }, richInline(part.elements));
      case "rich_text_quote":
        return h("blockquote", { class: "md-quote" }, richInline(part.elements));
      case "rich_text_list":
        return h(
          part.style === "ordered" ? "ol" : "ul",
          { class: "rt-list" },
          (part.elements || []).map(function (item) {
            return h("li", null, richInline(item.elements));
          })
        );
      default:
        return unsupported(part.type);
    }
  }

  function richInline(elements) {
    return (elements || []).map(function (e) {
      var node;
      switch (e.type) {
        case "text":
          node = multiline(e.text || "");
          break;
        case "link":
          node = /^(https?:|mailto:|tel:)/i.test(e.url || "")
            ? h("a", { class: "md-link", href: e.url, target: "_blank", rel: "noopener noreferrer" }, e.text || e.url)
            : document.createTextNode(e.text || e.url || "");
          break;
        case "user":
          node = h("span", { class: "mention" }, "@" + (personName(e.user_id) || e.user_id));
          break;
        case "channel":
          var c = convById(e.channel_id);
          node = h("span", { class: "mention mention-channel" }, "#" + (c ? c.name : e.channel_id));
          break;
        case "broadcast":
          node = h("span", { class: "mention mention-broadcast" }, "@" + e.range);
          break;
        case "emoji":
          node = h("span", { class: "emoji" }, e.unicode ? codepoints(e.unicode) : EMOJI[e.name] || ":" + e.name + ":");
          break;
        default:
          node = document.createTextNode(e.text || "");
      }
      var st = e.style || {};
      if (st.code) node = h("code", { class: "md-code" }, node);
      if (st.bold) node = h("strong", null, node);
      if (st.italic) node = h("em", null, node);
      if (st.strike) node = h("del", null, node);
      return node;
    });
  }

  function codepoints(u) {
    try {
      return String.fromCodePoint.apply(
        null,
        u.split("-").map(function (x) {
          return parseInt(x, 16);
        })
      );
    } catch (e) {
      return "";
    }
  }

  function multiline(text) {
    var frag = document.createDocumentFragment();
    String(text)
      .split("\n")
      .forEach(function (line, k) {
        if (k) frag.appendChild(h("br"));
        frag.appendChild(document.createTextNode(line));
      });
    return frag;
  }

  // ---- messages -----------------------------------------------------------------------------

  function convMessages(convId) {
    var all = (S.state && S.state.messages) || {};
    return (all[convId] || []).filter(function (m) {
      return !S.hiddenEphemeral[ephemeralKey(convId, m)];
    });
  }

  function ephemeralKey(conv, m) {
    return m.ephemeral ? S.user + "|" + conv + "|" + m.ts + "|" + (m.text || "").length : "-";
  }

  function isReply(m) {
    return !!m.thread_ts && m.thread_ts !== m.ts;
  }

  function split(list) {
    var parents = {};
    list.forEach(function (m) {
      if (!isReply(m)) parents[m.ts] = true;
    });
    var top = [];
    var replies = {};
    list.forEach(function (m) {
      if (isReply(m) && parents[m.thread_ts]) {
        (replies[m.thread_ts] = replies[m.thread_ts] || []).push(m);
      } else {
        top.push(m);
      }
    });
    return { top: top, replies: replies };
  }

  function authorOf(m) {
    if (m.bot) return { name: "collect-bot", bot: true };
    if (m.user) return { name: personName(m.user) || m.user, bot: false };
    return { name: "Unknown", bot: false };
  }

  function avatar(author, id) {
    if (author.bot) return h("div", { class: "avatar avatar-bot", "aria-hidden": "true" }, "cb");
    return h("div", { class: "avatar", style: "background:" + colourFor(id), "aria-hidden": "true" }, initials(author.name));
  }

  function renderMessage(m, conv, area, replies) {
    var author = authorOf(m);
    var when = messageDate(m);
    var eph = !!m.ephemeral;
    var ctx = { kind: "message", area: area, conv: conv, ts: m.ts, ephemeral: eph, key: conv + "@" + m.ts + (eph ? "e" : "") };
    var cls = "msg" + (eph ? " msg-ephemeral" : "");
    if (S.thread && S.thread.conv === conv && S.thread.ts === m.ts && area === "main") cls += " msg-in-thread";
    var content;
    if (m.blocks && m.blocks.length) content = renderBlocks(m.blocks, ctx);
    else content = mrkdwn(m.text || "");

    var body = h(
      "div",
      { class: "msg-body" },
      eph
        ? h(
            "div",
            { class: "eph-note" },
            h("span", { class: "eph-eye", "aria-hidden": "true" }, "👁"),
            " Only visible to you"
          )
        : null,
      h(
        "div",
        { class: "msg-head" },
        h("span", { class: "author" }, author.name),
        author.bot ? h("span", { class: "app-badge" }, "APP") : null,
        h("time", { class: "msg-time", datetime: when ? when.toISOString() : null, title: when ? fmtDay(when) : null }, fmtTime(when))
      ),
      h("div", { class: "msg-content" }, content),
      renderFiles(m.files)
    );

    var replyCount = Math.max((replies || []).length, typeof m.reply_count === "number" ? m.reply_count : 0);
    if (area === "main" && replyCount > 0) {
      var last = replies && replies.length ? messageDate(replies[replies.length - 1]) : null;
      body.appendChild(
        h(
          "div",
          { class: "replies-bar" },
          h(
            "button",
            {
              type: "button",
              class: "replies-link",
              "data-testid": "replies",
              onclick: function () {
                openThread(conv, m.ts);
              },
            },
            replyCount + (replyCount === 1 ? " reply" : " replies")
          ),
          h("span", { class: "replies-last" }, last ? "Last reply " + fmtTime(last) : "")
        )
      );
    }
    if (eph) {
      body.appendChild(
        h(
          "button",
          {
            type: "button",
            class: "link-btn eph-dismiss",
            onclick: function () {
              S.hiddenEphemeral[ephemeralKey(conv, m)] = true;
              renderMain(true);
              renderThread();
            },
          },
          "Dismiss message"
        )
      );
    }

    var attrs = { class: cls, "data-testid": eph ? "ephemeral" : "message", "data-ts": m.ts };
    if (m.thread_ts) attrs["data-thread-ts"] = m.thread_ts;
    var el = h("div", attrs, avatar(author, m.user), body);
    if (area === "main" && !eph && !isReply(m)) {
      el.appendChild(
        h(
          "div",
          { class: "msg-hover" },
          h(
            "button",
            {
              type: "button",
              class: "hover-btn",
              title: "Reply in thread",
              "aria-label": "Reply in thread",
              onclick: function () {
                openThread(conv, m.ts);
              },
            },
            "💬"
          ),
          shortcutMenu(
            h(
              "button",
              {
                type: "button",
                class: "hover-btn",
                title: "More actions",
                "aria-label": "More actions",
                "aria-haspopup": "menu",
                "data-testid": "message-more",
                "data-menu-key": "more@" + conv + "@" + m.ts,
              },
              "⋯"
            ),
            "message",
            function () {
              return { channel: conv, message_ts: m.ts };
            }
          )
        )
      );
    }
    return el;
  }

  function renderFiles(files) {
    if (!files || !files.length) return null;
    return h(
      "div",
      { class: "files" },
      files.map(function (f) {
        var title = f.title || f.name || "file";
        if (/^image\//i.test(f.mimetype || "")) {
          return h(
            "figure",
            { class: "file file-image", "data-testid": "file" },
            h("figcaption", { class: "file-caption" }, title),
            h("img", { src: f.url, alt: title, loading: "lazy", onload: imageLoaded })
          );
        }
        return h(
          "a",
          { class: "file file-link", "data-testid": "file", href: f.url, download: f.name || true, target: "_blank", rel: "noopener noreferrer" },
          h("span", { class: "file-icon", "aria-hidden": "true" }, fileIcon(f)),
          h(
            "span",
            { class: "file-meta" },
            h("span", { class: "file-title" }, title),
            h("span", { class: "file-sub" }, [f.name && f.name !== title ? f.name : null, f.pretty_type || f.mimetype].filter(Boolean).join(" · "))
          )
        );
      })
    );
  }

  // The card's badge by Slack's filetype: a spreadsheet is not a CSV.
  function fileIcon(f) {
    var known = { xlsx: "XLSX", xls: "XLS", csv: "CSV", pdf: "PDF" };
    return known[(f.filetype || "").toLowerCase()] || "FILE";
  }

  function imageLoaded() {
    var list = $("messages");
    if (S.stick && list) list.scrollTop = list.scrollHeight;
    var tb = $("thread-body");
    if (S.threadStick && tb) tb.scrollTop = tb.scrollHeight;
  }

  // ---- rendering the page -------------------------------------------------------------------

  /** A permalink (/archives/…) led here: open its conversation and thread once the state is in. */
  function openWanted() {
    var wanted = S.wanted;
    if (!wanted) return;
    S.wanted = null;
    try {
      var u = new URL(window.location.href);
      u.searchParams.delete("conv");
      u.searchParams.delete("thread");
      window.history.replaceState(null, "", u.toString());
    } catch (e) {
      /* file:// or similar */
    }
    var c = convById(wanted.conv);
    if (!c) {
      toast((personName(S.user) || "This person") + " cannot see the conversation that link points to: act as someone in it.", "info", 8000);
      return;
    }
    S.selected = c.id;
    if (wanted.thread) S.thread = { conv: c.id, ts: wanted.thread };
  }

  function renderAll() {
    openWanted();
    var userChanged = S.renderedUser !== S.user;
    if (userChanged) {
      var first = !S.renderedUser;
      S.renderedUser = S.user;
      markAllSeen(first);
    }
    renderPeople();
    ensureSelection();
    renderConversations();
    renderScheduler();
    renderBilling();
    renderMain(false);
    renderThread();
    renderModal();
    restoreMenu();
  }

  var peopleSig = "";

  function renderPeople() {
    var sel = $("act-as");
    var list = people();
    var sig = JSON.stringify(list);
    if (sig !== peopleSig) {
      peopleSig = sig;
      sel.replaceChildren();
      list.forEach(function (p) {
        sel.appendChild(h("option", { value: p.id }, p.name + (p.role ? " — " + p.role : "")));
      });
    }
    if (S.user) sel.value = S.user;
    var me = list.find(function (p) {
      return p.id === S.user;
    });
    if (me && me.locale) $("language").value = me.locale;
  }

  function ensureSelection() {
    var convs = conversations();
    var valid =
      S.selected === "home" ||
      S.selected === "outbox" ||
      convs.some(function (c) {
        return c.id === S.selected;
      });
    if (!valid) {
      var dm = convs.find(function (c) {
        return c.kind === "dm";
      });
      S.selected = dm ? dm.id : convs.length ? convs[0].id : "home";
    }
  }

  function topCount(conv) {
    return split(convMessages(conv)).top.length;
  }

  function markAllSeen() {
    conversations().forEach(function (c) {
      S.seen[S.user + "|" + c.id] = topCount(c.id);
    });
  }

  function renderConversations() {
    var ul = $("conv-list");
    ul.replaceChildren();
    conversations().forEach(function (c) {
      var seenKey = S.user + "|" + c.id;
      var count = topCount(c.id);
      if (c.id === S.selected || S.seen[seenKey] === undefined) S.seen[seenKey] = count;
      var unread = Math.max(0, count - S.seen[seenKey]);
      var active = c.id === S.selected;
      var btn = h(
        "button",
        {
          type: "button",
          class: "nav-item" + (active ? " active" : "") + (unread ? " unread" : ""),
          "data-testid": "conv-" + c.id,
          "aria-current": active ? "page" : null,
          onclick: function () {
            selectConversation(c.id);
          },
        },
        c.kind === "dm"
          ? h("span", { class: "nav-icon app-icon", "aria-hidden": "true" }, "cb")
          : h("span", { class: "nav-icon", "aria-hidden": "true" }, "#"),
        " ",
        h("span", { class: "nav-name" }, c.kind === "dm" ? "collect-bot" : c.name),
        unread ? h("span", { class: "badge", "aria-label": unread + " new" }, String(unread)) : null
      );
      ul.appendChild(h("li", null, btn));
    });
    var home = $("home-tab");
    home.classList.toggle("active", S.selected === "home");
    if (S.selected === "home") home.setAttribute("aria-current", "page");
    else home.removeAttribute("aria-current");
    var outboxTab = $("outbox-tab");
    outboxTab.classList.toggle("active", S.selected === "outbox");
    if (S.selected === "outbox") outboxTab.setAttribute("aria-current", "page");
    else outboxTab.removeAttribute("aria-current");
  }

  var jobsSig = "";

  function renderScheduler() {
    var st = S.state || {};
    var clock = $("clock");
    var label = st.now_label || st.now || "";
    var m = /^(.*?)\s*(\([^()]+\))\s*$/.exec(label);
    clock.replaceChildren();
    if (m) {
      clock.appendChild(h("span", { class: "clock-time" }, m[1]));
      clock.appendChild(document.createTextNode(" "));
      clock.appendChild(h("span", { class: "clock-zone" }, m[2]));
    } else {
      clock.textContent = label;
    }
    var hint = $("hint");
    hint.textContent = st.hint || "";
    hint.hidden = !st.hint;
    var jobs = st.jobs || [];
    var sig = JSON.stringify(jobs);
    if (sig === jobsSig) return;
    jobsSig = sig;
    var ul = $("jobs");
    ul.replaceChildren();
    jobs.forEach(function (job) {
      var name = typeof job === "string" ? job : job.name;
      var label = (typeof job === "string" ? null : job.label) || name;
      var btn = h("button", { type: "button", class: "side-btn run-btn", "data-testid": "run-" + name, title: "Run " + label + " (" + name + ") now", "aria-label": "Run " + label + " now" }, "Run now");
      btn.addEventListener("click", function () {
        btn.disabled = true;
        btn.textContent = "Running…";
        post("/api/run", { job: name }).then(function (res) {
          btn.disabled = false;
          btn.textContent = "Run now";
          if (res) toast(label + ": " + (res.message || "ran"), "info", 4000);
        });
      });
      ul.appendChild(h("li", { class: "job" }, h("span", { class: "job-name", title: name, "data-testid": "job-name" }, label), btn));
    });
  }

  // The Billing system box: what the sandbox offers is filled in, unless the field was changed by hand.
  var billingOffered = { account: "", amount: "", reference: "" };
  var billingSig = "";

  function renderBilling() {
    var box = (S.state || {}).billing;
    $("billing").hidden = !box;
    if (!box) return;
    ["account", "amount", "reference"].forEach(function (name) {
      var input = $("billing-" + name);
      var offered = box[name] || "";
      if (input.value === "" || input.value === billingOffered[name]) input.value = offered;
      billingOffered[name] = offered;
    });
    var sig = JSON.stringify([box.accounts, box.methods, box.key]);
    if (sig === billingSig) return;
    billingSig = sig;
    var list = $("billing-accounts");
    list.replaceChildren();
    (box.accounts || []).forEach(function (id) {
      list.appendChild(h("option", { value: id }));
    });
    var method = $("billing-method");
    var chosen = method.value || "ach";
    method.replaceChildren();
    (box.methods || []).forEach(function (m) {
      method.appendChild(h("option", { value: m }, m));
    });
    if ((box.methods || []).indexOf(chosen) >= 0) method.value = chosen;
    $("billing-key").textContent = "Signed with " + (box.key || "the sandbox's key") + " (the secret stays on the server)";
  }

  function sendPayment(e) {
    e.preventDefault();
    var button = $("billing-send");
    var answer = $("billing-answer");
    button.disabled = true;
    button.textContent = "Sending…";
    post("/api/billing", {
      account: $("billing-account").value,
      amount: $("billing-amount").value,
      method: $("billing-method").value,
      reference: $("billing-reference").value,
    }).then(function (res) {
      button.disabled = false;
      button.textContent = "Send payment";
      if (!res) return;
      var result = res.results && res.results[0] ? res.results[0].result : "error";
      answer.className = "billing-answer billing-" + (/^[a-z]+$/.test(result) ? result : "error");
      answer.textContent = res.message || "";
      answer.hidden = !res.message;
    });
  }

  function renderMain(force) {
    var isHome = S.selected === "home";
    var isOutbox = S.selected === "outbox";
    var switched = S.renderedSelected !== S.selected;
    S.renderedSelected = S.selected;
    $("messages").hidden = isHome || isOutbox;
    $("composer-wrap").hidden = isHome || isOutbox;
    $("home").hidden = !isHome;
    $("home-tabs").hidden = !isHome;
    $("outbox").hidden = !isOutbox;
    var title = $("conv-title");
    title.replaceChildren();
    if (isOutbox) {
      title.appendChild(document.createTextNode("Customer outbox"));
      loadOutbox();
    } else if (isHome) {
      title.appendChild(h("span", { class: "title-app" }, "collect-bot"));
      title.appendChild(h("span", { class: "app-badge" }, "APP"));
      renderHome(switched);
    } else {
      var c = convById(S.selected);
      if (c && c.kind === "dm") {
        title.appendChild(h("span", { class: "title-app" }, "collect-bot"));
        title.appendChild(h("span", { class: "app-badge" }, "APP"));
      } else {
        title.appendChild(document.createTextNode(convLabel(c)));
      }
      $("composer").placeholder =
        (c && c.kind === "dm" ? "Message collect-bot" : "Message " + convLabel(c)) + " — type /collect help";
      renderMessages(switched || force === "bottom");
    }
  }

  function renderMessages(toBottom) {
    var list = $("messages");
    var prevTop = list.scrollTop;
    var stick = S.stick;
    var conv = S.selected;
    var c = convById(conv);
    var parts = split(convMessages(conv));
    var frag = document.createDocumentFragment();
    frag.appendChild(
      h(
        "div",
        { class: "conv-intro" },
        h("div", { class: "conv-intro-title" }, c && c.kind === "dm" ? "collect-bot" : convLabel(c)),
        h(
          "div",
          { class: "conv-intro-text" },
          c && c.kind === "dm"
            ? "This is the very beginning of your direct messages with collect-bot. Type /collect help to see what it can do."
            : "This is the very beginning of " + convLabel(c) + "."
        )
      )
    );
    var lastDay = null;
    parts.top.forEach(function (m) {
      var d = messageDate(m);
      var day = d ? fmtDay(d) : null;
      if (day && day !== lastDay) {
        frag.appendChild(h("div", { class: "day-sep", role: "separator" }, h("span", null, day)));
        lastDay = day;
      }
      frag.appendChild(renderMessage(m, conv, "main", parts.replies[m.ts]));
    });
    list.replaceChildren(frag);
    if (toBottom || stick) {
      list.scrollTop = list.scrollHeight;
      S.stick = true;
    } else {
      list.scrollTop = prevTop;
    }
  }

  function renderHome(switched) {
    var el = $("home");
    var prevTop = el.scrollTop;
    var view = S.state && S.state.home;
    el.replaceChildren();
    if (!view) {
      el.appendChild(h("div", { class: "home-empty" }, "Opening App Home…"));
      return;
    }
    var ctx = { kind: "home", area: "home", viewId: view.id || null, key: "home" };
    el.appendChild(h("div", { class: "home-inner" }, renderBlocks(view.blocks, ctx)));
    el.scrollTop = switched ? 0 : prevTop;
  }

  // ---- the customer outbox: the documents the bot wrote, as they went out ---------------------

  function loadOutbox() {
    fetch("/api/outbox", { cache: "no-store" })
      .then(function (res) {
        if (!res.ok) throw new Error(res.status + " " + res.statusText);
        return res.json();
      })
      .then(function (data) {
        if (S.selected === "outbox") renderOutbox((data && data.documents) || []);
      })
      .catch(function (e) {
        toast("Customer outbox failed: " + e.message);
      });
  }

  function outboxStatus(d) {
    if (d.status === "queued") return "waiting for its print batch";
    if (d.status === "cancelled") return "cancelled";
    if (d.channel === "letter") return "printed in the batch of " + (d.batch || "?");
    if (d.delivery === "sent") return "delivered to the mail server";
    if (d.delivery === "failed") return "delivery failed";
    return "in the outbox, being delivered";
  }

  function renderOutbox(documents) {
    var el = $("outbox");
    el.replaceChildren();
    var head = h(
      "div",
      { class: "outbox-head" },
      h(
        "p",
        { class: "outbox-intro" },
        "Every email and letter the bot wrote to a customer, newest first: what the customer gets, and its PDF."
      ),
      h("button", { type: "button", class: "side-btn", "data-testid": "outbox-refresh", onclick: loadOutbox }, "Refresh")
    );
    el.appendChild(head);
    if (!documents.length) {
      el.appendChild(
        h("div", { class: "home-empty", "data-testid": "outbox-empty" }, "No documents yet. Send one with /collect send ACC-… statement.")
      );
      return;
    }
    documents.forEach(function (d) {
      el.appendChild(
        h(
          "article",
          { class: "outbox-item", "data-testid": "outbox-item", "data-document-id": d.id },
          h("h3", { class: "outbox-subject", "data-testid": "outbox-subject" }, d.subject),
          h(
            "div",
            { class: "outbox-meta" },
            (d.channel === "email" ? "Email to " : "Letter to ") + d.recipient.replace(/\n/g, ", "),
            " · " + d.account_id + " (" + d.customer_name + ") · " + d.kind + " · " + d.language,
            h("br"),
            "Written " + d.created + (d.sent ? " · sent " + d.sent : "") + " · ",
            h("span", { class: "outbox-status outbox-" + d.status, "data-testid": "outbox-status" }, outboxStatus(d)),
            " · ",
            h("a", { href: d.pdf, target: "_blank", rel: "noopener", "data-testid": "outbox-pdf" }, "PDF")
          ),
          // The HTML part in a sandboxed frame: no scripts, no reaching the page.
          h("iframe", {
            class: "outbox-html",
            sandbox: "",
            title: "The document as the customer sees it",
            "data-testid": "outbox-html",
            srcdoc: d.html,
          }),
          h("details", { class: "outbox-text" }, h("summary", null, "Text part"), h("pre", { "data-testid": "outbox-text" }, d.text))
        )
      );
    });
  }

  function selectConversation(id) {
    if (id === S.selected) {
      if (id === "home") post("/api/home", { user: S.user });
      return;
    }
    closeMenu();
    S.selected = id;
    S.stick = true;
    if (S.thread && S.thread.conv !== id) S.thread = null;
    if (id === "home") post("/api/home", { user: S.user });
    var chosen = convById(id);
    // Entering the bot's DM is entering its Messages tab: Slack tells the app so, as it does.
    if (chosen && chosen.kind === "dm") post("/api/home", { user: S.user, tab: "messages" }, { quiet: true });
    renderConversations();
    renderMain(false);
    renderThread();
    if (id !== "home") $("composer").focus();
  }

  // ---- threads ------------------------------------------------------------------------------

  function openThread(conv, ts) {
    closeMenu();
    S.thread = { conv: conv, ts: ts };
    S.threadStick = true;
    renderMain(false);
    renderThread(true);
    $("thread-input").focus();
  }

  function closeThread() {
    S.thread = null;
    renderThread();
    renderMain(false);
  }

  function renderThread(toBottom) {
    var panel = $("thread");
    if (!S.thread || S.selected === "home") {
      panel.hidden = true;
      return;
    }
    var conv = S.thread.conv;
    var parts = split(convMessages(conv));
    var parent = parts.top.find(function (m) {
      return m.ts === S.thread.ts;
    });
    if (!parent) {
      S.thread = null;
      panel.hidden = true;
      return;
    }
    var replies = parts.replies[parent.ts] || [];
    var body = $("thread-body");
    var prevTop = body.scrollTop;
    var stick = S.threadStick;
    panel.hidden = false;
    var threadConv = convById(conv);
    $("thread-conv").textContent = convLabel(threadConv);
    // The bot's DM is its Messages tab, read-only in Slack: a reply there goes nowhere.
    var readOnly = !!threadConv && threadConv.kind === "dm";
    $("thread-composer").hidden = readOnly;
    $("thread-read-only").hidden = !readOnly;
    body.replaceChildren();
    append(body, [
      renderMessage(parent, conv, "thread", null),
      h(
        "div",
        { class: "thread-count" },
        h("span", null, replies.length ? replies.length + (replies.length === 1 ? " reply" : " replies") : "No replies yet")
      ),
      replies.map(function (r) {
        return renderMessage(r, conv, "thread", null);
      }),
    ]);
    if (toBottom || stick) body.scrollTop = body.scrollHeight;
    else body.scrollTop = prevTop;
  }

  function sendReply() {
    var input = $("thread-input");
    var text = input.value.trim();
    if (!text || !S.thread) return;
    var thread = S.thread;
    input.value = "";
    autosize(input);
    S.threadStick = true;
    post("/api/reply", { user: S.user, channel: thread.conv, thread_ts: thread.ts, text: withMentions(text, true) }).then(function (res) {
      if (!res && !input.value) {
        input.value = text;
        autosize(input);
      }
    });
  }

  // ---- the composer -------------------------------------------------------------------------

  function sendCommand() {
    var box = $("composer");
    var text = box.value.trim();
    if (!text) return;
    var hint = $("composer-hint");
    if (!/^\/collect(\s|$)/.test(text)) {
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    if (S.selected === "home" || !S.selected) return;
    S.history.push(text);
    S.historyPos = -1;
    box.value = "";
    autosize(box);
    S.stick = true;
    post("/api/command", { user: S.user, channel: S.selected, text: withMentions(text), command: "/collect" }).then(function (res) {
      if (!res && !box.value) {
        box.value = text;
        autosize(box);
      }
    });
  }

  function autosize(t) {
    t.style.height = "auto";
    t.style.height = Math.min(t.scrollHeight, 200) + "px";
  }

  // ---- @-mentions ---------------------------------------------------------------------------
  // Typing @ offers the team, as Slack's composer does. What is sent is what Slack sends a slash
  // command with escaping on (the app's manifest asks for it): <@U123|ana>, which the bot reads.

  var MENTION_AT = /(^|\s)@([^\s@<>]*)$/;

  function mentionMatches(query) {
    var q = query.toLowerCase();
    return people()
      .filter(function (p) {
        if (!q) return true;
        return (
          p.id.toLowerCase().indexOf(q) === 0 ||
          String(p.name)
            .toLowerCase()
            .split(/\s+/)
            .some(function (word) {
              return word.indexOf(q) === 0;
            }) ||
          String(p.name).toLowerCase().indexOf(q) === 0
        );
      })
      .slice(0, 8);
  }

  function attachMentions(box) {
    var list = h("ul", { class: "mention-list", role: "listbox", "data-testid": "mention-list", hidden: true });
    box.parentNode.insertBefore(list, box.parentNode.firstChild);
    var state = { open: false, at: -1, start: 0, items: [] };

    function close() {
      state.open = false;
      list.hidden = true;
      list.replaceChildren();
    }

    function pick(person) {
      var caret = box.selectionStart;
      var before = box.value.slice(0, state.start) + "@" + person.name + " ";
      box.value = before + box.value.slice(caret);
      box.setSelectionRange(before.length, before.length);
      close();
      box.focus();
      autosize(box);
    }

    function refresh() {
      var caret = box.selectionStart;
      if (caret !== box.selectionEnd) return close();
      var m = MENTION_AT.exec(box.value.slice(0, caret));
      if (!m) return close();
      state.start = caret - m[2].length - 1;
      state.items = mentionMatches(m[2]);
      if (!state.items.length) return close();
      state.at = Math.min(Math.max(state.at, 0), state.items.length - 1);
      list.replaceChildren();
      state.items.forEach(function (p, k) {
        list.appendChild(
          h(
            "li",
            {
              class: "mention-item" + (k === state.at ? " active" : ""),
              role: "option",
              "aria-selected": k === state.at ? "true" : "false",
              "data-user": p.id,
              onmousedown: function (e) {
                e.preventDefault(); // keep the focus in the box
                pick(p);
              },
            },
            h("span", { class: "avatar avatar-small", style: "background:" + colourFor(p.id), "aria-hidden": "true" }, initials(p.name)),
            h("span", { class: "mention-name" }, p.name),
            p.role ? h("span", { class: "mention-role" }, p.role) : null
          )
        );
      });
      state.open = true;
      list.hidden = false;
    }

    box.addEventListener("keydown", function (e) {
      if (!state.open) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        state.at = (state.at + (e.key === "ArrowDown" ? 1 : -1) + state.items.length) % state.items.length;
        refresh();
      } else if (e.key === "Enter" || e.key === "Tab") {
        pick(state.items[state.at]);
      } else if (e.key === "Escape") {
        close();
      } else {
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
    });
    box.addEventListener("input", function () {
      state.at = 0;
      refresh();
    });
    box.addEventListener("click", refresh);
    box.addEventListener("blur", close);
  }

  /** "@Ana Agent" → "<@U0AGENT1|ana>" as in an escaped slash command, or "<@U0AGENT1>" as in a
   *  message event's text (`bare`), for everyone on the team; the longest names first. */
  function withMentions(text, bare) {
    var team = people().slice().sort(function (a, b) {
      return b.name.length - a.name.length;
    });
    var out = "";
    var i = 0;
    while (i < text.length) {
      var found = null;
      if (text.charAt(i) === "@" && (i === 0 || /\s/.test(text.charAt(i - 1)))) {
        found = team.find(function (p) {
          var end = i + 1 + p.name.length;
          return text.slice(i + 1, end) === p.name && (end === text.length || /[\s,.;:!?)]/.test(text.charAt(end)));
        });
      }
      if (found) {
        out += "<@" + found.id + (bare ? "" : "|" + found.name.split(/\s+/)[0].toLowerCase()) + ">";
        i += 1 + found.name.length;
      } else {
        out += text.charAt(i);
        i++;
      }
    }
    return out;
  }

  // ---- modals -------------------------------------------------------------------------------

  function viewSig(v) {
    return JSON.stringify([v.id, v.title, v.blocks, v.submit, v.close]);
  }

  function renderModal() {
    var view = S.state && S.state.view;
    if (!view || view.id !== S.dismissedView) S.dismissedView = null;
    if (view && view.id === S.dismissedView) view = null;
    var M = S.modal;
    if (!view) {
      closeModalDom();
      return;
    }
    var sig = viewSig(view);
    if (M && M.id === view.id && M.sig === sig) return; // unchanged: keep what is typed
    var carried = null;
    if (M && M.id === view.id) {
      // Updated in place (views.update): keep what was typed in inputs that are still there.
      carried = {};
      M.fields.forEach(function (f) {
        carried[f.blockId + "|" + f.actionId] = f.raw();
      });
    }
    buildModal(view, carried);
  }

  function closeModalDom() {
    if (!S.modal) return;
    clearTimeout(S.modal.timer);
    var hadFocus = S.modal.root.contains(document.activeElement);
    S.modal = null;
    $("modal-root").replaceChildren();
    if (hadFocus) $("composer").focus({ preventScroll: true });
  }

  function buildModal(view, carried) {
    var old = S.modal;
    if (old) clearTimeout(old.timer);
    var fields = [];
    var ctx = { kind: "modal", area: "modal", viewId: view.id, fields: fields, key: "modal" };
    var hasInputs = (view.blocks || []).some(function (b) {
      return b && b.type === "input";
    });
    var submitText = view.submit ? plainStr(view.submit) : hasInputs ? "Submit" : null;
    var closeText = view.close ? plainStr(view.close) : "Cancel";
    var general = h("div", { class: "modal-error", role: "alert", "data-testid": "modal-error", hidden: true });
    var submitBtn = submitText
      ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "modal-submit", onclick: submitModal }, submitText)
      : null;
    var dialog = h(
      "div",
      { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "modal-title", "data-testid": "modal", "data-view-id": view.id },
      h(
        "header",
        { class: "modal-head" },
        h("span", { class: "modal-app avatar-bot", "aria-hidden": "true" }, "cb"),
        h("h2", { class: "modal-title", id: "modal-title" }, plainStr(view.title) || "collect-bot"),
        h("button", { type: "button", class: "icon-btn", "aria-label": "Close", "data-testid": "modal-close", onclick: cancelModal }, "×")
      ),
      h("div", { class: "modal-body" }, general, renderBlocks(view.blocks, ctx)),
      h(
        "footer",
        { class: "modal-foot" },
        h("button", { type: "button", class: "btn", "data-testid": "modal-cancel", onclick: cancelModal }, closeText),
        submitBtn
      )
    );
    var backdrop = h("div", { class: "backdrop" }, dialog);
    backdrop.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        e.preventDefault();
        cancelModal();
      } else if (e.key === "Tab") {
        trapFocus(e, dialog);
      }
    });
    S.modal = { id: view.id, sig: viewSig(view), fields: fields, root: backdrop, submitBtn: submitBtn, general: general, submitting: false };
    if (carried) {
      fields.forEach(function (f) {
        var k = f.blockId + "|" + f.actionId;
        if (Object.prototype.hasOwnProperty.call(carried, k)) f.restore(carried[k]);
      });
    }
    $("modal-root").replaceChildren(backdrop);
    if (!old || old.id !== view.id || !old.root.contains(document.activeElement)) {
      // Focus the first field, unless it is a lookup box (focusing that opens its option list).
      var first = fields.length ? fields[0] : null;
      if (first && first.focusable && first.type !== "external_select") {
        first.focusable.focus();
      } else {
        var titleEl = dialog.querySelector(".modal-title");
        titleEl.setAttribute("tabindex", "-1");
        titleEl.focus();
      }
    }
  }

  function trapFocus(e, dialog) {
    var items = Array.prototype.filter.call(
      dialog.querySelectorAll("button, input, select, textarea, a[href], [tabindex]:not([tabindex='-1'])"),
      function (x) {
        return !x.disabled && x.offsetParent !== null;
      }
    );
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  function setSubmitting(on) {
    var M = S.modal;
    if (!M) return;
    M.submitting = on;
    if (M.submitBtn) {
      M.submitBtn.disabled = on;
      M.submitBtn.classList.toggle("is-busy", on);
    }
  }

  function submitModal() {
    var M = S.modal;
    if (!M || M.submitting) return;
    M.general.hidden = true;
    var firstBad = null;
    M.fields.forEach(function (f) {
      var problem = f.problem ? f.problem() : null;
      showFieldError(f, problem);
      if (problem && !firstBad) firstBad = f;
    });
    if (firstBad) {
      if (firstBad.focusable) firstBad.focusable.focus();
      return;
    }
    var values = {};
    M.fields.forEach(function (f) {
      (values[f.blockId] = values[f.blockId] || {})[f.actionId] = f.get();
    });
    var viewId = M.id;
    setSubmitting(true);
    post("/api/submit", { user: S.user, view_id: viewId, values: values }, { allowErrors: true }).then(function (res) {
      if (!S.modal || S.modal.id !== viewId) return;
      if (!res) {
        setSubmitting(false);
        return;
      }
      if (res.errors && Object.keys(res.errors).length) {
        setSubmitting(false);
        showErrors(res.errors);
        return;
      }
      // Accepted: the modal goes when the state says the view is gone (or replaced).
      S.modal.timer = setTimeout(function () {
        if (S.modal && S.modal.id === viewId) setSubmitting(false);
      }, 4000);
    });
  }

  function showErrors(errors) {
    var M = S.modal;
    var leftover = [];
    var first = null;
    Object.keys(errors).forEach(function (bid) {
      var f = M.fields.find(function (x) {
        return x.blockId === bid;
      });
      if (f) {
        showFieldError(f, errorText(errors[bid]));
        if (!first) first = f;
      } else {
        leftover.push(errorText(errors[bid]));
      }
    });
    if (leftover.length) {
      M.general.textContent = leftover.join(" ");
      M.general.hidden = false;
    }
    if (first && first.focusable) first.focusable.focus();
  }

  function cancelModal() {
    var M = S.modal;
    if (!M) return;
    var viewId = M.id;
    S.dismissedView = viewId;
    closeModalDom();
    post("/api/close", { user: S.user, view_id: viewId }).then(function (res) {
      if (!res && S.dismissedView === viewId) {
        S.dismissedView = null;
        renderModal();
      }
    });
  }

  // ---- wiring -------------------------------------------------------------------------------

  function setUser(id, quiet) {
    S.user = id;
    S.version = null;
    S.selected = null;
    S.renderedSelected = null;
    S.thread = null;
    S.stick = true;
    S.dismissedView = null;
    closeMenu();
    closeModalDom();
    $("composer-hint").hidden = true;
    try {
      window.localStorage.setItem("collect-sandbox-user", id);
    } catch (e) {
      /* storage refused: the address still says who */
    }
    try {
      var u = new URL(window.location.href);
      u.searchParams.set("user", id);
      window.history.replaceState(null, "", u.toString());
    } catch (e) {
      /* file:// or similar */
    }
    if (!quiet) poll();
  }

  function wire() {
    $("act-as").addEventListener("change", function (e) {
      if (e.target.value && e.target.value !== S.user) setUser(e.target.value);
    });
    // The language the bot speaks to the person acted as: the roster's `locale`, as they would set it.
    $("language").addEventListener("change", function (e) {
      post("/api/language", { user: S.user, locale: e.target.value });
    });
    $("home-tab").addEventListener("click", function () {
      selectConversation("home");
    });
    $("outbox-tab").addEventListener("click", function () {
      if (S.selected === "outbox") loadOutbox();
      else selectConversation("outbox");
    });
    $("home-to-messages").addEventListener("click", function () {
      var dm = conversations().find(function (c) {
        return c.kind === "dm";
      });
      if (dm) selectConversation(dm.id);
    });
    $("billing-form").addEventListener("submit", sendPayment);
    $("clock-minutes").addEventListener("click", function () {
      post("/api/clock", { minutes: 5 });
    });
    $("clock-hour").addEventListener("click", function () {
      post("/api/clock", { hours: 1 });
    });
    $("clock-day").addEventListener("click", function () {
      post("/api/clock", { days: 1 });
    });

    shortcutMenu($("shortcuts"), "global", function () {
      return { channel: S.selected };
    });
    var composer = $("composer");
    attachMentions(composer); // first: its keys (Enter, ↑, ↓) go to the list while it is open
    attachMentions($("thread-input"));
    composer.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        sendCommand();
      } else if (e.key === "ArrowUp" && S.history.length && (composer.value === "" || S.historyPos >= 0) && !composer.value.includes("\n")) {
        e.preventDefault();
        S.historyPos = S.historyPos < 0 ? S.history.length - 1 : Math.max(0, S.historyPos - 1);
        composer.value = S.history[S.historyPos];
      } else if (e.key === "ArrowDown" && S.historyPos >= 0) {
        e.preventDefault();
        S.historyPos++;
        if (S.historyPos >= S.history.length) {
          S.historyPos = -1;
          composer.value = "";
        } else {
          composer.value = S.history[S.historyPos];
        }
      }
    });
    composer.addEventListener("input", function () {
      $("composer-hint").hidden = true;
      S.historyPos = -1;
      autosize(composer);
    });
    $("send").addEventListener("click", sendCommand);

    var reply = $("thread-input");
    reply.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        sendReply();
      }
    });
    reply.addEventListener("input", function () {
      autosize(reply);
    });
    $("thread-send").addEventListener("click", sendReply);
    $("thread-close").addEventListener("click", closeThread);

    var list = $("messages");
    list.addEventListener("scroll", function () {
      S.stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    });
    var tb = $("thread-body");
    tb.addEventListener("scroll", function () {
      S.threadStick = tb.scrollHeight - tb.scrollTop - tb.clientHeight < 40;
    });

    document.addEventListener("click", function (e) {
      if (S.menu && !S.menu.menu.contains(e.target) && e.target !== S.menu.btn) closeMenu();
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && S.menu) {
        var btn = S.menu.btn;
        closeMenu();
        btn.focus();
      }
    });
    window.addEventListener("resize", placeMenu);
    document.addEventListener("scroll", placeMenu, true);
  }

  function start() {
    wire();
    var fromUrl = null;
    try {
      fromUrl = new URL(window.location.href).searchParams.get("user");
    } catch (e) {
      fromUrl = null;
    }
    if (!fromUrl) {
      try {
        fromUrl = window.localStorage.getItem("collect-sandbox-user");
      } catch (e) {
        fromUrl = null;
      }
    }
    if (fromUrl) S.user = fromUrl;
    try {
      var params = new URL(window.location.href).searchParams;
      if (params.get("conv")) S.wanted = { conv: params.get("conv"), thread: params.get("thread") };
    } catch (e) {
      S.wanted = null;
    }
    poll();
    setInterval(poll, POLL_MS);
  }

  // For tests and debugging: a read-only look at what the page knows.
  window.collectSandbox = {
    state: function () {
      return S.state;
    },
    user: function () {
      return S.user;
    },
    mrkdwn: function (text) {
      return mrkdwn(text);
    },
    /** Render a message's or view's blocks as the page would, off the page: what would it show? */
    blocks: function (blocks, kind) {
      var ctx = { kind: kind || "message", area: "probe", key: "probe", conv: null, ts: null, viewId: null, fields: [] };
      return renderBlocks(blocks, ctx);
    },
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
