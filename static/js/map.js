/* Maps on public pages, drawn with Leaflet from our own origin (templates/groups/_map.html).

   Progressive: the map boxes and the List/Map switch are `hidden` in the HTML and only shown
   here, after Leaflet loaded and the data block parsed; anything missing leaves the page as a
   complete list. The data is a GeoJSON FeatureCollection in a <script type="application/json">
   block (never executed, so the CSP allows it): a public place is a Point (a pin); an area (a
   sensitive group, or any group at a private place) is its hexagon Polygon and has no point,
   so it can only be drawn as the hexagon. Popups are built from DOM nodes, never from HTML
   strings. Motion follows prefers-reduced-motion. */
(function () {
  "use strict";

  var L = window.L;
  if (!L || !document.querySelector || !window.JSON) { return; }

  var reduceMotion = !!(window.matchMedia &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  var VIEW_KEY = "groupfinder.resultsView";
  var AREA_MAX_ZOOM = 13; // an area is never shown closer than this (docs/security-privacy.md)

  function readData(box) {
    var node = box.querySelector('script[type="application/json"]');
    var data = null;
    if (!node) { return null; }
    try { data = JSON.parse(node.textContent); } catch (e) { return null; }
    if (!data || typeof data.tiles !== "string" || !data.features || !data.features.length) {
      return null;
    }
    useWords(data);
    return data;
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  /* The page's words (the data's "words", from the server in the page's language), English
     when absent; "{}" stands for a value, and counted words are listed by count. */
  var WORDS = {
    next: "Next meeting: {}", distance: "Distance: {}", area: "Approximate area",
    groups: {}, in_area: {}, here: {}
  };
  var ENGLISH_COUNTED = {
    groups: [" group", " groups"],
    in_area: [" group in this approximate area", " groups in this approximate area"],
    here: [" group here; zoom in", " groups here; zoom in"]
  };

  function useWords(data) {
    var w = data.words || {};
    Object.keys(WORDS).forEach(function (key) {
      if (w[key]) { WORDS[key] = w[key]; }
    });
  }

  function say(key, value) {
    return WORDS[key].replace("{}", value);
  }

  function counted(key, n) {
    return WORDS[key][n] || (n + ENGLISH_COUNTED[key][n === 1 ? 0 : 1]);
  }

  function groupSummary(p, box) {
    var name = element("p", "map-popup__name");
    var link = element("a", null, p.name);
    link.href = p.url;
    name.appendChild(link);
    box.appendChild(name);
    var facts = element("ul", "map-popup__facts");
    [["next", p.next], ["distance", p.distance], [null, p.where]].forEach(function (f) {
      if (f[1]) { facts.appendChild(element("li", null, f[0] ? say(f[0], f[1]) : f[1])); }
    });
    if (facts.childNodes.length) { box.appendChild(facts); }
  }

  /* One group, or every group of one area (they share its hexagon and so one popup). */
  function popupContent(groups) {
    var box = element("div", "map-popup");
    if (groups.length === 1) {
      groupSummary(groups[0], box);
      return box;
    }
    box.appendChild(element("p", "map-popup__title", counted("in_area", groups.length)));
    var list = element("ul", "map-popup__groups");
    groups.forEach(function (p) {
      var item = element("li");
      groupSummary(p, item);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function makeMap(canvas, data, options) {
    var map = L.map(canvas, L.extend({
      zoomAnimation: !reduceMotion,
      fadeAnimation: !reduceMotion,
      markerZoomAnimation: !reduceMotion,
      inertia: !reduceMotion,
      scrollWheelZoom: false, // the page scrolls past the map; +/− and pinch zoom it
      maxZoom: 18
    }, options || {}));
    map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
    L.tileLayer(data.tiles, {
      attribution: data.attribution, // escaped HTML, built by the server from the setting
      maxZoom: 19,
      // The tile server learns our origin (its usage policy asks for it), never which page.
      referrerPolicy: "strict-origin"
    }).addTo(map);
    keepFocusWithPopups(map);
    return map;
  }

  /* Keyboard: a popup opened from a focused pin or area takes focus (its link first), Escape
     closes it, and focus goes back to what opened it. */
  function keepFocusWithPopups(map) {
    var opener = null;
    map.on("popupopen", function (e) {
      var container = map.getContainer();
      var active = document.activeElement;
      opener = active && container.contains(active) && active !== container ? active : null;
      var node = e.popup.getElement();
      if (!node) { return; }
      L.DomEvent.on(node, "keydown", function (ev) {
        if (ev.key === "Escape") { map.closePopup(); }
      });
      if (opener) {
        var link = node.querySelector(".map-popup a");
        if (link) { link.focus(); }
      }
    });
    map.on("popupclose", function (e) {
      var node = e.popup.getElement();
      var active = document.activeElement;
      var lost = !active || active === document.body || (node && node.contains(active));
      if (opener && lost && document.body.contains(opener)) { opener.focus(); }
      opener = null;
    });
  }

  /* An area is an SVG path: make it a keyboard control with a name, like a pin. */
  function focusableArea(layer, label) {
    layer.on("add", function () {
      var path = layer.getElement && layer.getElement();
      if (!path) { return; }
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", label);
      L.DomEvent.on(path, "keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") {
          L.DomEvent.preventDefault(ev);
          layer.openPopup();
        }
      });
    });
  }

  /* Popups pan clear of the zoom buttons (top left) and fit a phone's map. */
  function popupOptions(map) {
    return {
      maxWidth: Math.max(200, Math.min(320, map.getSize().x - 90)),
      autoPanPaddingTopLeft: L.point(64, 12),
      autoPanPaddingBottomRight: L.point(12, 28)
    };
  }

  var AREA_STYLE = {
    color: "#5b3f86", weight: 3, opacity: 1, fillColor: "#5b3f86", fillOpacity: 0.22,
    className: "map-area"
  };

  /* Adds pins to `pins` and hexagons to `areas`; `interactive` gives them popups. Groups in
     one area share one hexagon (drawn once, one stop for the keyboard, one popup). */
  function addFeatures(map, features, pins, areas, interactive) {
    var byCell = {};
    var cells = [];
    features.forEach(function (f) {
      var p = f.properties || {};
      var g = f.geometry || {};
      if (g.type === "Point") {
        var marker = L.marker([g.coordinates[1], g.coordinates[0]], {
          title: p.name, alt: p.name, keyboard: interactive, interactive: interactive,
          riseOnHover: true
        });
        if (interactive) { marker.bindPopup(popupContent([p]), popupOptions(map)); }
        pins.addLayer(marker);
      } else if (g.type === "Polygon") {
        var key = JSON.stringify(g.coordinates);
        if (!byCell[key]) {
          byCell[key] = { ring: g.coordinates[0], groups: [] };
          cells.push(byCell[key]);
        }
        byCell[key].groups.push(p);
      }
    });
    cells.forEach(function (cell) {
      var ring = cell.ring.map(function (c) { return [c[1], c[0]]; });
      var hexagon = L.polygon(ring, L.extend({ interactive: interactive }, AREA_STYLE));
      if (interactive) {
        var first = cell.groups[0];
        var where = first.where || WORDS.area;
        var label = (cell.groups.length === 1 ? first.name : counted("groups", cell.groups.length))
          + ". " + where;
        hexagon.bindPopup(popupContent(cell.groups), popupOptions(map));
        focusableArea(hexagon, label);
      }
      areas.addLayer(hexagon);
    });
  }

  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 38 : (n < 100 ? 44 : 50);
    return L.divIcon({
      html: '<span aria-hidden="true">' + n + '</span><span class="visually-hidden">'
        + escapeHtml(counted("here", n)) + "</span>",
      className: "map-cluster",
      iconSize: L.point(size, size)
    });
  }

  function drawResults(box, data) {
    var canvas = box.querySelector(".map__canvas");
    var map = makeMap(canvas, data);
    var pins = L.markerClusterGroup ? L.markerClusterGroup({
      animate: !reduceMotion,
      showCoverageOnHover: false,
      maxClusterRadius: 48,
      iconCreateFunction: clusterIcon
    }) : L.featureGroup();
    var areas = L.featureGroup();
    addFeatures(map, data.features, pins, areas, true);
    areas.addTo(map);
    pins.addTo(map);
    if (pins.on) {
      // A cluster opened by keyboard is replaced by its parts: keep focus on the map.
      pins.on("clusterclick", function () {
        if (canvas.contains(document.activeElement)) {
          map.once("moveend", function () { canvas.focus({ preventScroll: true }); });
        }
      });
    }
    var bounds = L.latLngBounds([]);
    [pins, areas].forEach(function (layer) {
      var b = layer.getBounds();
      if (b.isValid()) { bounds.extend(b); }
    });
    map.fitBounds(bounds, { padding: [36, 36], maxZoom: 14, animate: false });
    return map;
  }

  function setUpResults(box) {
    var data = readData(box);
    var switcher = document.querySelector('[data-map-switch="' + box.id + '"]');
    var list = document.getElementById(box.getAttribute("data-list") || "");
    if (!data || !switcher || !list) { return; }
    var buttons = Array.prototype.slice.call(switcher.querySelectorAll("button[data-view]"));
    var map = null;

    function show(view, remember) {
      var onMap = view === "map";
      if (onMap && !map) {
        box.hidden = false;
        try {
          map = drawResults(box, data);
        } catch (e) {
          box.hidden = true; // no map after all: the list stays, without the switch
          switcher.hidden = true;
          return;
        }
      }
      box.hidden = !onMap;
      list.hidden = onMap;
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-view") === view ? "true" : "false");
      });
      if (onMap) { map.invalidateSize({ animate: false }); }
      if (remember) {
        try { window.sessionStorage.setItem(VIEW_KEY, view); } catch (e) { /* private mode */ }
      }
    }

    buttons.forEach(function (b) {
      b.addEventListener("click", function () { show(b.getAttribute("data-view"), true); });
    });
    switcher.hidden = false;
    var saved = null;
    try { saved = window.sessionStorage.getItem(VIEW_KEY); } catch (e) { /* private mode */ }
    if (saved === "map") { show("map", false); }
  }

  function setUpGroup(box) {
    var data = readData(box);
    if (!data) { return; }
    var canvas = box.querySelector(".map__canvas");
    var feature = data.features[0];
    var area = feature.geometry.type === "Polygon";
    box.hidden = false;
    try {
      var map = makeMap(canvas, data, {
        maxZoom: area ? AREA_MAX_ZOOM : 18,
        dragging: !L.Browser.mobile // one finger scrolls the page past a small map
      });
      var layers = L.featureGroup();
      addFeatures(map, data.features, layers, layers, false);
      layers.addTo(map);
      if (area) {
        map.fitBounds(layers.getBounds(), { padding: [24, 24], maxZoom: AREA_MAX_ZOOM, animate: false });
      } else {
        var c = feature.geometry.coordinates;
        map.setView([c[1], c[0]], 16, { animate: false });
      }
    } catch (e) {
      box.hidden = true;
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-map="results"]'), setUpResults);
    Array.prototype.forEach.call(document.querySelectorAll('[data-map="group"]'), setUpGroup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
