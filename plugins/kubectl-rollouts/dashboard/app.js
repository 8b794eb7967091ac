// kubectl-rollouts dashboard: the list of rollouts and a page per rollout,
// kept live by server-sent events (EventSource reconnects by itself and the
// server starts every stream with a whole snapshot, so a dropped connection
// resyncs). No framework, no external resources; every value from the
// cluster goes into the page as text (textContent), never as markup.
'use strict';

(function () {
  var doc = document.documentElement;
  var ROOT = doc.dataset.root;
  var CSRF = doc.dataset.csrf;
  var READONLY = doc.dataset.readonly === 'true';
  var NS = doc.dataset.ns; // the namespace watched, or "_all" with -A
  var API = '/' + ROOT + '/api/v1/rollouts/';
  var main = document.getElementById('main');
  var es = null;

  function h(tag, attrs) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      // through the CSSOM: the page's CSP refuses style attributes
      else if (k === 'width') el.style.width = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) el.appendChild(x); });
      else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }

  function enc(s) { return encodeURIComponent(s); }

  function setConn(up) {
    var c = document.getElementById('conn');
    c.textContent = up ? 'live' : 'reconnecting…';
    c.className = up ? 'conn' : 'conn down';
  }

  function stream(url, handlers) {
    if (es) es.close();
    es = new EventSource(url);
    es.onopen = function () { setConn(true); };
    es.onerror = function () { setConn(false); };
    es.addEventListener('status', function (e) {
      setConn(JSON.parse(e.data).connected);
    });
    Object.keys(handlers).forEach(function (k) {
      es.addEventListener(k, function (e) { handlers[k](JSON.parse(e.data)); });
    });
  }

  function status(s) {
    return h('span', { class: 'status s-' + (s || 'Unknown') }, s || 'Unknown');
  }

  function weights(r) {
    if (r.strategy !== 'Canary' || r.setWeight === null) return '';
    return r.setWeight + '% / ' + r.actualWeight + '%';
  }

  function toast(msg) {
    var t = document.getElementById('toast');
    t.textContent = msg;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.textContent = ''; }, 8000);
  }

  // Keep the focus on the element with the same id across a redraw.
  function redraw(fn) {
    var a = document.activeElement;
    var id = a && a !== document.body ? a.id : '';
    fn();
    if (id) {
      var n = document.getElementById(id);
      if (n) n.focus();
    }
  }

  // ---------------------------------------------------------- the list

  function listPage() {
    var rows = {}; // "ns/name" -> row
    var all = NS === '_all';
    document.title = 'Rollouts';
    var filter = h('input', { type: 'search', id: 'filter', placeholder: 'name, namespace or status',
      autocomplete: 'off', oninput: draw });
    var tbody = h('tbody', { id: 'rows' });
    var count = h('p', { id: 'count', class: 'muted', 'aria-live': 'polite' });
    main.replaceChildren(
      h('h1', null, all ? 'Rollouts in every namespace' : 'Rollouts in ' + NS),
      h('p', null, h('label', { for: 'filter' }, 'Filter'), filter),
      count,
      h('div', { class: 'table-wrap' }, h('table', { id: 'rollouts' },
        h('caption', { class: 'skip' }, 'Rollouts'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Name'),
          all ? h('th', { scope: 'col' }, 'Namespace') : null,
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'hide-narrow' }, 'Strategy'),
          h('th', { scope: 'col' }, 'Step'),
          h('th', { scope: 'col' }, 'Weight set / actual'),
          h('th', { scope: 'col' }, 'Ready / desired'))),
        tbody)));

    function draw() {
      var q = filter.value.trim().toLowerCase();
      var keys = Object.keys(rows).sort();
      var shown = 0;
      redraw(function () {
        tbody.replaceChildren.apply(tbody, keys.filter(function (k) {
          var r = rows[k];
          return !q || (r.name + ' ' + r.namespace + ' ' + r.status).toLowerCase().indexOf(q) >= 0;
        }).map(function (k) {
          var r = rows[k];
          shown++;
          var href = '/' + ROOT + '/rollout/' + enc(r.namespace) + '/' + enc(r.name);
          return h('tr', { 'data-rollout': k },
            h('td', null, h('a', { href: href, id: 'ro-' + k }, r.name)),
            all ? h('td', null, r.namespace) : null,
            h('td', { title: r.message || null }, status(r.status)),
            h('td', { class: 'hide-narrow' }, r.strategy),
            h('td', { class: 'num' }, r.step || '-'),
            h('td', { class: 'num' }, weights(r) || '-'),
            h('td', { class: 'num' }, r.replicas.ready + '/' + r.replicas.desired));
        }));
      });
      count.textContent = shown + ' of ' + keys.length + ' rollouts';
    }

    function key(r) { return r.namespace + '/' + r.name; }
    stream(API + enc(NS) + '/info/watch', {
      snapshot: function (d) {
        rows = {};
        d.rollouts.forEach(function (r) { rows[key(r)] = r; });
        draw();
      },
      rollout: function (r) { rows[key(r)] = r; draw(); },
      deleted: function (r) { delete rows[key(r)]; draw(); }
    });
  }

  // ------------------------------------------------------- one rollout

  function stepText(s) {
    if (s.setWeight !== undefined) return 'Set weight ' + s.setWeight + '%';
    if (s.pause !== undefined) {
      return s.pause && s.pause.duration !== undefined ?
        'Pause ' + s.pause.duration : 'Pause until promoted';
    }
    if (s.analysis) {
      return 'Analysis' + (s.analysis.templates ? ': ' +
        s.analysis.templates.map(function (t) { return t.templateName; }).join(', ') : '');
    }
    if (s.experiment) return 'Experiment';
    if (s.setCanaryScale) return 'Set canary scale';
    if (s.setHeaderRoute) return 'Set header route';
    if (s.setMirrorRoute) return 'Set mirror route';
    return Object.keys(s).join(', ') || 'Step';
  }

  function act(ns, name, verb, label, ask) {
    return function () {
      var go = function () {
        var btns = main.querySelectorAll('.actions button');
        btns.forEach(function (b) { b.disabled = true; });
        fetch(API + enc(ns) + '/' + enc(name) + '/' + verb, {
          method: 'PUT', headers: { 'X-CSRF-Token': CSRF }, credentials: 'same-origin'
        }).then(function (r) {
          return r.json().then(function (j) { return j; }, function () { return { message: 'HTTP ' + r.status }; });
        }).then(function (j) {
          toast(j.message || j.error || label + ' done');
        }, function (e) {
          toast(label + ' failed: ' + e);
        }).then(function () {
          btns.forEach(function (b) { b.disabled = false; });
        });
      };
      if (ask) confirmThen(ask, label, go); else go();
    };
  }

  function confirmThen(question, label, go) {
    var d = document.getElementById('confirm');
    var ok = document.getElementById('confirm-ok');
    var cancel = document.getElementById('confirm-cancel');
    document.getElementById('confirm-text').textContent = question;
    ok.textContent = label;
    var back = document.activeElement;
    function close(yes) {
      ok.onclick = cancel.onclick = null;
      d.close();
      if (back) back.focus();
      if (yes) go();
    }
    ok.onclick = function () { close(true); };
    cancel.onclick = function () { close(false); };
    d.oncancel = function () { close(false); };
    d.showModal();
    cancel.focus();
  }

  function runsTable(runs) {
    if (!runs || !runs.length) return null;
    return h('div', { class: 'table-wrap' }, h('table', { class: 'runs' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Analysis run'), h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Results ✔ / ✖ / ?'), h('th', { scope: 'col' }, 'Metrics: latest value'))),
      h('tbody', null, runs.map(function (a) {
        return h('tr', null,
          h('td', null, h('code', null, a.name)),
          h('td', null, status(a.status)),
          h('td', { class: 'num' }, a.successful + ' / ' + a.failed + ' / ' + a.inconclusive),
          h('td', null, (a.metrics || []).map(function (m) {
            return h('div', { class: 'metric' }, h('strong', null, m.name + ': '),
              m.value === null ? h('span', { class: 'muted' }, 'no measurement') : h('code', null, m.value),
              ' ', status(m.phase));
          })));
      }))));
  }

  function rsBlock(rs) {
    return h('div', { class: 'card rs' },
      h('h4', null, h('code', null, rs.name), ' ', status(rs.status), ' ',
        rs.tags.map(function (t) { return h('span', { class: 'tag' }, t); })),
      h('p', { class: 'muted' }, rs.availableReplicas + '/' + rs.replicas + ' available · ' +
        rs.images.join(', ') + (rs.scaleDownDelay ? ' · scale-down delay ' + rs.scaleDownDelay : '')),
      rs.pods.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'pods' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Pod'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Ready'), h('th', { scope: 'col' }, 'Restarts'), h('th', { scope: 'col', class: 'hide-narrow' }, 'Age'))),
        h('tbody', null, rs.pods.map(function (p) {
          return h('tr', null, h('td', null, h('code', null, p.name)), h('td', null, status(p.status)),
            h('td', { class: 'num' }, p.ready), h('td', { class: 'num' }, String(p.restarts)),
            h('td', { class: 'num hide-narrow' }, p.age));
        })))) : null);
  }

  function rolloutPage(ns, name) {
    document.title = name + ' · Rollouts';
    main.replaceChildren(h('h1', null, name), h('p', null, 'Loading…'));
    function draw(r) {
      var idx = r.currentStepIndex;
      var steps = r.steps || [];
      var buttons = READONLY ? null : h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' },
        h('button', { id: 'act-promote', class: 'primary', onclick: act(ns, name, 'promote', 'Promote') }, 'Promote'),
        h('button', { id: 'act-promote-full', onclick: act(ns, name, 'promote?full=true', 'Promote fully',
          'Promote ' + name + ' fully, skipping every remaining step and analysis?') }, 'Promote fully'),
        h('button', { id: 'act-abort', class: 'danger', onclick: act(ns, name, 'abort', 'Abort',
          'Abort ' + name + '? Traffic goes back to the stable version.') }, 'Abort'),
        h('button', { id: 'act-retry', onclick: act(ns, name, 'retry', 'Retry') }, 'Retry'),
        h('button', { id: 'act-restart', onclick: act(ns, name, 'restart', 'Restart',
          'Restart the pods of ' + name + '?') }, 'Restart'));
      var revs = r.revisions || [];
      var nodes = [
        h('p', null, h('a', { href: '/' + ROOT + '/' }, '← all rollouts')),
        h('h1', null, r.name),
        h('div', { class: 'card' }, h('dl', { class: 'facts' },
          h('dt', null, 'Status'), h('dd', { id: 'status' }, status(r.status),
            r.message ? h('span', { id: 'message' }, ' — ' + r.message) : null),
          h('dt', null, 'Namespace'), h('dd', null, r.namespace),
          h('dt', null, 'Strategy'), h('dd', null, r.strategy || '-'),
          h('dt', null, 'Step'), h('dd', { id: 'step' }, r.step || '-'),
          h('dt', null, 'Replicas'), h('dd', { id: 'replicas' }, r.replicas.ready + ' ready of ' + r.replicas.desired +
            ' desired (' + r.replicas.updated + ' updated, ' + r.replicas.available + ' available)'),
          h('dt', null, 'Age'), h('dd', null, r.age))),
        buttons
      ];
      if (r.strategy === 'Canary') {
        nodes.push(h('h2', null, 'Traffic'), h('div', { class: 'weights', id: 'weights' },
          h('span', null, 'Set weight'),
          h('div', { class: 'bar', role: 'img', 'aria-label': 'set weight ' + r.setWeight + '%' },
            h('span', { id: 'set-bar', width: Math.max(0, Math.min(100, r.setWeight)) + '%' })),
          h('span', { class: 'num', id: 'set-weight' }, r.setWeight + '%'),
          h('span', null, 'Actual weight'),
          h('div', { class: 'bar actual', role: 'img', 'aria-label': 'actual weight ' + r.actualWeight + '%' },
            h('span', { id: 'actual-bar', width: Math.max(0, Math.min(100, r.actualWeight)) + '%' })),
          h('span', { class: 'num', id: 'actual-weight' }, r.actualWeight + '%')));
      }
      if (steps.length) {
        nodes.push(h('h2', null, 'Steps'), h('ol', { class: 'steps', id: 'steps' }, steps.map(function (s, i) {
          var cur = idx === i;
          return h('li', { class: cur ? 'current' : (idx !== null && i < idx ? 'done' : ''),
            'aria-current': cur ? 'step' : null },
            stepText(s), cur ? h('span', { class: 'muted' }, ' (current' + (r.paused ? ', paused' : '') + ')') : null);
        })));
      }
      nodes.push(h('h2', null, 'Images'), h('ul', { id: 'images' }, (r.images || []).map(function (im) {
        return h('li', null, h('code', null, im.image), ' ', im.tags.map(function (t) {
          return h('span', { class: 'tag' }, t);
        }));
      })));
      var runs = [];
      revs.forEach(function (v) { runs = runs.concat(v.analysisRuns || []); });
      if (runs.length) nodes.push(h('h2', null, 'Analysis runs'), runsTable(runs));
      nodes.push(h('h2', null, 'Revisions'));
      revs.forEach(function (v, i) {
        nodes.push(h('section', { class: 'revision', 'aria-label': 'Revision ' + v.revision },
          h('h3', null, 'Revision ' + v.revision,
            !READONLY && i > 0 ? h('button', { id: 'act-undo-' + v.revision, class: 'inline',
              onclick: act(ns, name, 'undo/' + v.revision, 'Roll back',
                'Roll ' + name + ' back to revision ' + v.revision + '?') }, 'Roll back to ' + v.revision) : null),
          v.replicaSets.map(rsBlock),
          (v.experiments || []).map(function (x) {
            return h('div', { class: 'card' }, h('h4', null, 'Experiment ', h('code', null, x.name), ' ', status(x.status)),
              x.replicaSets.map(rsBlock), runsTable(x.analysisRuns));
          })));
      });
      redraw(function () { main.replaceChildren.apply(main, nodes.filter(Boolean)); });
    }
    stream(API + enc(ns) + '/' + enc(name) + '/info/watch', {
      info: draw,
      deleted: function () {
        main.replaceChildren(h('p', null, h('a', { href: '/' + ROOT + '/' }, '← all rollouts')),
          h('h1', null, name), h('p', { id: 'status' }, 'This rollout does not exist (any more) in namespace ' + ns + '.'));
      }
    });
  }

  function route() {
    var p = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (p.length === 4 && p[1] === 'rollout') rolloutPage(p[2], p[3]);
    else listPage();
  }
  route();
})();
