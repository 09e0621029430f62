/* parley moderation console: signs in with a moderator token (kept in sessionStorage, never in a URL) and works
   through the admin API. Text from the API is always inserted as text, except the server-sanitized body_html. */
(function () {
  "use strict";

  var KEY = "parley-console-token";
  var STATES = [["pending", "Pending"], ["flagged", "Flagged"], ["spam", "Spam"], ["rejected", "Rejected"]];
  var ACTIONS = { approve: "Approve", reject: "Reject", spam: "Spam", remove: "Remove", restore: "Restore" };
  var KEYS = { a: "approve", r: "reject", s: "spam" };
  var root = document.getElementById("console");
  var state = { token: null, role: null, view: "queue", queue: "pending", items: [], focus: 0, selected: {}, cursor: null };
  var live, main, tabs = {}, poll = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function say(message) {
    live.textContent = "";
    setTimeout(function () { live.textContent = message; }, 50);
  }

  function when(iso) {
    return el("time", { datetime: iso, title: iso, text: new Date(iso).toLocaleString() });
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json", Authorization: "Bearer " + state.token };
    var options = { method: method, headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (answer) {
      var parse = answer.status === 204 ? Promise.resolve(null) : answer.json().catch(function () { return null; });
      return parse.then(function (data) {
        if (answer.status === 401 && state.token) signOut("Your token is no longer accepted. Sign in again.");
        return { status: answer.status, data: data };
      });
    }, function () {
      return { status: 0, data: { detail: "the server could not be reached" } };
    });
  }

  function problem(answer) {
    var detail = (answer.data && answer.data.detail) || "something went wrong (" + answer.status + ")";
    return detail.charAt(0).toUpperCase() + detail.slice(1) + ".";
  }

  /* ---- signing in ---- */

  function signInView(message) {
    root.textContent = "";
    var input = el("input", { type: "password", id: "token", name: "token", autocomplete: "off", required: true });
    var error = el("p", { class: "error", id: "token-error", role: "alert", text: message || "", hidden: !message });
    var form = el("form", { class: "signin" }, [
      el("h1", { text: "Moderation" }),
      el("p", { text: "Sign in with the token `parley token create` gave you. It stays in this tab only." }),
      el("label", { for: "token", text: "Moderator token" }), input, error,
      el("button", { type: "submit", text: "Sign in" })
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      state.token = input.value.trim();
      api("GET", "/api/v1/admin/queue/stats").then(function (answer) {
        if (answer.status !== 200) {
          state.token = null;
          error.textContent = answer.status === 401 ? "This token is unknown or revoked." : problem(answer);
          error.hidden = false;
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", "token-error");
          input.focus();
          return;
        }
        sessionStorage.setItem(KEY, state.token);
        start();
      });
    });
    root.appendChild(form);
    input.focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    state.token = null;
    if (poll) clearInterval(poll);
    signInView(message);
  }

  function start() {
    api("GET", "/api/v1/admin/policy").then(function (answer) {
      state.role = answer.status === 200 ? "admin" : "moderator";
      layout();
      show("queue");
      poll = setInterval(counts, 15000);
    });
  }

  function layout() {
    root.textContent = "";
    live = el("p", { class: "live", role: "status", "aria-live": "polite" });
    var nav = el("nav", { "aria-label": "Console" });
    var views = [["queue", "Queue"], ["bans", "Bans"]];
    if (state.role === "admin") views.push(["audit", "Audit log"], ["policy", "Policy"]);
    views.forEach(function (view) {
      tabs[view[0]] = el("button", { type: "button", class: "nav", text: view[1], onclick: function () { show(view[0]); } });
      nav.appendChild(tabs[view[0]]);
    });
    nav.appendChild(el("button", { type: "button", class: "signout", text: "Sign out", onclick: function () { signOut(""); } }));
    main = el("div", { class: "view" });
    root.appendChild(el("h1", { text: "Moderation" }));
    root.appendChild(nav);
    root.appendChild(live);
    root.appendChild(main);
  }

  function show(view) {
    state.view = view;
    Object.keys(tabs).forEach(function (name) {
      if (name === view) tabs[name].setAttribute("aria-current", "page");
      else tabs[name].removeAttribute("aria-current");
    });
    main.textContent = "";
    ({ queue: queueView, bans: bansView, audit: auditView, policy: policyView })[view]();
  }

  /* ---- the queues ---- */

  var stateTabs = {};

  function queueView() {
    var list = el("div", { role: "tablist", "aria-label": "Queues", class: "queues" });
    STATES.forEach(function (entry) {
      stateTabs[entry[0]] = el("button", {
        type: "button", role: "tab", id: "tab-" + entry[0], "aria-selected": String(entry[0] === state.queue),
        text: entry[1],
        onclick: function () { state.queue = entry[0]; queueView(); }
      });
      list.appendChild(stateTabs[entry[0]]);
    });
    main.textContent = "";
    main.appendChild(list);
    main.appendChild(bulkBar());
    main.appendChild(el("p", { class: "help", text: "Keys: j / k move, a approve, r reject, s spam, x select." }));
    main.appendChild(el("div", { role: "tabpanel", "aria-labelledby": "tab-" + state.queue }, [
      el("ol", { id: "queue-items", class: "items", "aria-label": "Comments in this queue" })
    ]));
    main.appendChild(el("button", { type: "button", id: "queue-more", class: "more", hidden: true, text: "Show more", onclick: function () { loadQueue(false); } }));
    state.items = [];
    state.selected = {};
    state.focus = 0;
    counts();
    loadQueue(true);
  }

  function counts() {
    if (state.view !== "queue") return;
    api("GET", "/api/v1/admin/queue/stats").then(function (answer) {
      if (answer.status !== 200) return;
      STATES.forEach(function (entry) {
        var tab = stateTabs[entry[0]];
        if (tab) tab.textContent = entry[1] + " (" + answer.data[entry[0]] + ")";
      });
    });
  }

  function loadQueue(fresh) {
    var cursor = fresh ? null : state.cursor;
    var path = "/api/v1/admin/queue?limit=50&state=" + state.queue + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    api("GET", path).then(function (answer) {
      var list = document.getElementById("queue-items");
      if (!list) return;
      if (answer.status !== 200) return say(problem(answer));
      answer.data.items.forEach(function (entry) {
        state.items.push(entry);
        list.appendChild(item(entry));
      });
      state.cursor = answer.data.next_cursor;
      document.getElementById("queue-more").hidden = !state.cursor;
      if (!state.items.length) list.appendChild(el("li", { class: "empty", text: "Nothing waits in this queue." }));
    });
  }

  function actionsFor(comment) {
    if (comment.status === "pending") return ["approve", "reject", "spam", "remove"];
    if (comment.status === "approved") return [comment.flagged ? "approve" : null, "reject", "spam", "remove"].filter(Boolean);
    return ["restore"];
  }

  function item(entry) {
    var comment = entry.comment;
    var node = el("li", { class: "item", tabindex: "-1", id: "item-" + comment.id, "aria-labelledby": "item-" + comment.id + "-head" });
    var select = el("input", { type: "checkbox", id: "select-" + comment.id, checked: !!state.selected[comment.id] });
    select.addEventListener("change", function () { toggle(comment.id, select.checked); });
    var author = comment.author;
    var head = el("h2", { id: "item-" + comment.id + "-head", class: "head" }, [
      el("span", { class: "who", text: author.name || "(erased)" }),
      " on ",
      el("a", { href: "/articles/" + encodeURIComponent(entry.article.slug), text: entry.article.title })
    ]);
    var facts = el("dl", { class: "facts" });
    function fact(term, value) {
      if (value === null || value === undefined || value === "") return;
      facts.appendChild(el("dt", { text: term }));
      facts.appendChild(el("dd", {}, [typeof value === "string" ? value : value]));
    }
    fact("Status", comment.status + (comment.flagged ? ", flagged" : ""));
    fact("Posted", when(comment.created_at));
    fact("E-mail", author.email);
    fact("Website", author.url);
    fact("Held by", entry.held_by.join(", "));
    fact("Author's record", Object.keys(entry.author_history).map(function (k) { return entry.author_history[k] + " " + k; }).join(", ") || "first comment");
    var body = el("div", { class: "body" });
    body.innerHTML = comment.body_html;  /* sanitized by the server */
    var parts = [el("div", { class: "select" }, [select, el("label", { for: "select-" + comment.id, text: "Select" })]), head, facts];
    if (entry.parent_excerpt) parts.push(el("blockquote", { class: "parent" }, [el("p", { text: "In reply to: " + entry.parent_excerpt })]));
    parts.push(body);
    if (entry.edit) parts.push(el("details", {}, [el("summary", { text: "What the latest edit changed" }), el("pre", { text: entry.edit.diff })]));
    if (entry.flags.length) {
      parts.push(el("ul", { class: "flags", "aria-label": "Flags" }, entry.flags.map(function (flag) {
        return el("li", { text: flag.reason.replace("_", " ") + (flag.note ? ": " + flag.note : "") });
      })));
    }
    var reason = el("input", { type: "text", id: "reason-" + comment.id, maxlength: "1000" });
    var buttons = el("div", { class: "decide" }, [el("label", { for: "reason-" + comment.id, text: "Reason (optional)" }), reason]);
    actionsFor(comment).forEach(function (action) {
      buttons.appendChild(el("button", { type: "button", class: "act " + action, "data-action": action, text: ACTIONS[action],
        onclick: function () { decide(entry, action, reason.value); } }));
    });
    buttons.appendChild(el("button", { type: "button", class: "history", text: "History", onclick: function () { history(comment.id, node); } }));
    parts.push(buttons);
    parts.push(el("p", { class: "outcome", role: "alert", hidden: true }));
    parts.forEach(function (part) { node.appendChild(part); });
    node.addEventListener("focus", function () { state.focus = state.items.indexOf(entry); });
    return node;
  }

  function toggle(id, on) {
    if (on) state.selected[id] = true;
    else delete state.selected[id];
    var count = Object.keys(state.selected).length;
    document.getElementById("bulk-count").textContent = count + " selected";
    document.getElementById("bulk").hidden = count === 0;
  }

  function bulkBar() {
    var bar = el("div", { id: "bulk", class: "bulk", role: "group", "aria-label": "Selected comments", hidden: true }, [
      el("span", { id: "bulk-count", text: "0 selected" })
    ]);
    ["approve", "reject", "spam"].forEach(function (action) {
      bar.appendChild(el("button", { type: "button", text: ACTIONS[action] + " selected", onclick: function () { decideMany(action); } }));
    });
    return bar;
  }

  function decide(entry, action, reason) {
    var comment = entry.comment;
    var body = { action: action, expected_status: comment.status };
    if (reason) body.reason = reason;
    api("POST", "/api/v1/admin/comments/" + comment.id + "/moderate", body).then(function (answer) {
      var node = document.getElementById("item-" + comment.id);
      if (answer.status === 200) {
        say(ACTIONS[action] + "d: the comment by " + (comment.author.name || "an erased author") + " is now " + answer.data.status + ".");
        leave(entry);
        return;
      }
      var outcome = node.querySelector(".outcome");
      if (answer.status === 409) {
        api("GET", "/api/v1/admin/comments/" + comment.id).then(function (now) {
          if (now.status !== 200) return;
          entry.comment = now.data;
          var fresh = item(entry);
          var note = fresh.querySelector(".outcome");
          note.textContent = "Someone acted first: this comment is now " + now.data.status + ". Decide again if you still want to.";
          note.hidden = false;
          node.replaceWith(fresh);
          fresh.focus();
        });
        return;
      }
      outcome.textContent = problem(answer);
      outcome.hidden = false;
    });
  }

  function leave(entry) {
    var index = state.items.indexOf(entry);
    var node = document.getElementById("item-" + entry.comment.id);
    state.items.splice(index, 1);
    toggle(entry.comment.id, false);
    if (node) node.remove();
    counts();
    if (!state.items.length) {
      var list = document.getElementById("queue-items");
      list.appendChild(el("li", { class: "empty", text: "Nothing waits in this queue." }));
      stateTabs[state.queue].focus();
      return;
    }
    state.focus = Math.min(index, state.items.length - 1);
    focusItem();
  }

  function decideMany(action) {
    var ids = Object.keys(state.selected);
    api("POST", "/api/v1/admin/comments/moderate", { ids: ids, action: action }).then(function (answer) {
      if (answer.status !== 200) return say(problem(answer));
      var done = 0;
      answer.data.results.forEach(function (result) {
        var entry = state.items.filter(function (candidate) { return candidate.comment.id === result.id; })[0];
        if (result.result === "ok" && entry) {
          done += 1;
          leave(entry);
        }
      });
      say(done + " of " + ids.length + " comments: " + ACTIONS[action].toLowerCase() + "d.");
    });
  }

  function history(id, node) {
    api("GET", "/api/v1/admin/comments/" + id + "/history").then(function (answer) {
      if (answer.status !== 200) return say(problem(answer));
      var old = node.querySelector(".log");
      if (old) old.remove();
      node.appendChild(el("ol", { class: "log", "aria-label": "History" }, answer.data.map(function (event) {
        var moved = event.to_status ? " (" + (event.from_status || "new") + " → " + event.to_status + ")" : "";
        return el("li", {}, [when(event.created_at), " " + event.actor + ": " + event.action + moved + (event.reason ? ", " + event.reason : "")]);
      })));
    });
  }

  function focusItem() {
    var entry = state.items[state.focus];
    if (entry) document.getElementById("item-" + entry.comment.id).focus();
  }

  document.addEventListener("keydown", function (event) {
    if (!state.token || state.view !== "queue" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var entry = state.items[state.focus];
    if (event.key === "j" || event.key === "k") {
      state.focus = Math.max(0, Math.min(state.items.length - 1, state.focus + (event.key === "j" ? 1 : -1)));
      focusItem();
    } else if (KEYS[event.key] && entry && actionsFor(entry.comment).indexOf(KEYS[event.key]) >= 0) {
      decide(entry, KEYS[event.key], document.getElementById("reason-" + entry.comment.id).value);
    } else if (event.key === "x" && entry) {
      var box = document.getElementById("select-" + entry.comment.id);
      box.checked = !box.checked;
      toggle(entry.comment.id, box.checked);
    } else {
      return;
    }
    event.preventDefault();
  });

  /* ---- bans ---- */

  function bansView() {
    var filter = el("input", { type: "search", id: "ban-filter", name: "filter", placeholder: "an e-mail or an address" });
    var search = el("form", { class: "inline", role: "search" }, [el("label", { for: "ban-filter", text: "Find bans on " }), filter, el("button", { type: "submit", text: "Find" })]);
    var list = el("ul", { class: "bans", "aria-label": "Bans in force" });
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      loadBans(list, filter.value.trim());
    });
    main.appendChild(el("h2", { text: "Bans" }));
    main.appendChild(banForm(list));
    main.appendChild(search);
    main.appendChild(list);
    loadBans(list, "");
  }

  function loadBans(list, filter) {
    var query = filter ? (filter.indexOf("@") >= 0 ? "?email=" : "?address=") + encodeURIComponent(filter) : "";
    api("GET", "/api/v1/admin/bans" + query).then(function (answer) {
      list.textContent = "";
      if (answer.status !== 200) return say(problem(answer));
      if (!answer.data.items.length) list.appendChild(el("li", { text: "No bans in force." }));
      answer.data.items.forEach(function (ban) {
        var what = [ban.email, ban.network, ban.comment_id ? "the author of comment " + ban.comment_id : null].filter(Boolean).join(", ") || "(made before bans kept what they name)";
        list.appendChild(el("li", {}, [
          el("strong", { text: what }),
          " by " + ban.created_by + (ban.reason ? ", " + ban.reason : "") + (ban.expires_at ? ", until " + new Date(ban.expires_at).toLocaleString() : ""),
          " ",
          el("button", { type: "button", text: "Lift", onclick: function () {
            api("DELETE", "/api/v1/admin/bans/" + ban.id).then(function (done) {
              say(done.status === 204 ? "Ban lifted." : problem(done));
              loadBans(list, filter);
            });
          } })
        ]));
      });
    });
  }

  function banForm(list) {
    var form = el("form", { class: "form", novalidate: true }, [el("h3", { text: "New ban" })]);
    [["email", "E-mail"], ["address", "Network address or CIDR"], ["comment_id", "Or: the author of comment (id)"], ["reason", "Reason"], ["expires_at", "Until (optional, e.g. 2027-01-31T00:00:00Z)"]].forEach(function (field) {
      form.appendChild(el("div", { class: "field" }, [
        el("label", { for: "ban-" + field[0], text: field[1] }),
        el("input", { type: "text", id: "ban-" + field[0], name: field[0] }),
        el("p", { class: "error", id: "ban-" + field[0] + "-error", hidden: true })
      ]));
    });
    form.appendChild(el("button", { type: "submit", text: "Ban" }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      Array.prototype.forEach.call(form.elements, function (input) {
        if (input.name && input.value.trim()) body[input.name] = input.value.trim();
      });
      api("POST", "/api/v1/admin/bans", body).then(function (answer) {
        if (fieldErrors(form, "ban-", answer)) return;
        form.reset();
        say("Ban added.");
        loadBans(list, "");
      });
    });
    return form;
  }

  function fieldErrors(form, prefix, answer) {
    Array.prototype.forEach.call(form.querySelectorAll(".error"), function (node) { node.hidden = true; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (node) { node.removeAttribute("aria-invalid"); });
    if (answer.status < 300) return false;
    var first = null;
    ((answer.data && answer.data.errors) || []).forEach(function (error) {
      var input = document.getElementById(prefix + error.field);
      var message = document.getElementById(prefix + error.field + "-error");
      if (!input || !message) return;
      message.textContent = error.message;
      message.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", message.id);
      first = first || input;
    });
    if (first) first.focus();
    else say(problem(answer));
    return true;
  }

  /* ---- audit log and policy (admins) ---- */

  function auditView() {
    var list = el("ol", { class: "log", "aria-label": "Audit log" });
    var more = el("button", { type: "button", class: "more", hidden: true, text: "Show more" });
    var cursor = null;
    function page() {
      api("GET", "/api/v1/admin/audit?limit=50" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "")).then(function (answer) {
        if (answer.status !== 200) return say(problem(answer));
        answer.data.items.forEach(function (event) {
          var moved = event.to_status ? " (" + (event.from_status || "new") + " → " + event.to_status + ")" : "";
          list.appendChild(el("li", {}, [when(event.created_at), " " + event.actor + ": " + event.action + (event.comment_id ? " comment " + event.comment_id : "") + moved + (event.reason ? ", " + event.reason : "")]));
        });
        cursor = answer.data.next_cursor;
        more.hidden = !cursor;
      });
    }
    more.addEventListener("click", page);
    main.appendChild(el("h2", { text: "Audit log" }));
    main.appendChild(list);
    main.appendChild(more);
    page();
  }

  function policyView() {
    api("GET", "/api/v1/admin/policy").then(function (answer) {
      if (answer.status !== 200) return say(problem(answer));
      var policy = answer.data;
      var form = el("form", { class: "form policy", novalidate: true }, [el("h2", { text: "Policy" })]);
      Object.keys(policy).forEach(function (name) {
        var value = policy[name];
        var id = "policy-" + name;
        var input;
        if (typeof value === "boolean") input = el("input", { type: "checkbox", id: id, name: name, checked: value });
        else if (Array.isArray(value)) {
          input = el("textarea", { id: id, name: name, rows: "3" });
          input.value = value.join("\n");
        } else if (name === "moderation") {
          input = el("select", { id: id, name: name }, ["pre", "post"].map(function (mode) { return el("option", { value: mode, text: mode, selected: mode === value }); }));
        } else input = el("input", { type: value === null || typeof value === "number" ? "number" : "text", id: id, name: name, value: value === null ? "" : String(value) });
        var label = name.replace(/_/g, " ") + (Array.isArray(value) ? " (one per line)" : "");
        form.appendChild(el("div", { class: "field" + (input.type === "checkbox" ? " check" : "") }, [el("label", { for: id, text: label }), input, el("p", { class: "error", id: id + "-error", hidden: true })]));
      });
      form.appendChild(el("button", { type: "submit", text: "Save policy" }));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var changes = {};
        Object.keys(policy).forEach(function (name) {
          var input = form.elements[name];
          var value = policy[name];
          var now = typeof value === "boolean" ? input.checked
            : Array.isArray(value) ? input.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean)
            : typeof value === "number" || value === null ? (input.value === "" ? null : Number(input.value)) : input.value;
          if (JSON.stringify(now) !== JSON.stringify(value)) changes[name] = now;
        });
        api("PATCH", "/api/v1/admin/policy", changes).then(function (saved) {
          if (fieldErrors(form, "policy-", saved)) return;
          policy = saved.data;
          say("Policy saved.");
        });
      });
      main.appendChild(form);
    });
  }

  state.token = sessionStorage.getItem(KEY);
  if (state.token) start();
  else signInView("");
})();
