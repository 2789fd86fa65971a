/* "Use my location" (geo.md §4.3): progressive enhancement of the search form.
 * Without JavaScript, or without a secure context, the button stays hidden and the form works
 * as typed. The position is rounded to 3 decimal places (about 100 m) before it leaves the page;
 * it is never stored, and the browser's own error text is never shown. The results page then
 * shows the place that was found in the box ("M2 2, Manchester"), beside the rounded point: sent
 * back unchanged, the point is searched again (groups.search._located_args), and typing anything
 * else replaces the point (below). */
(function () {
  "use strict";

  if (!("geolocation" in navigator) || !window.isSecureContext) {
    return;
  }

  // English defaults; the page gives its own language's words as data- attributes on the
  // status line (data-finding, data-searching, data-error-1…3).
  var WORDS = {
    finding: "Finding your location…",
    searching: "Searching near you…",
    "error-1": "Location access is blocked for this site. Type a postcode or town instead.",
    "error-2": "Your device couldn't tell us where you are. Type a postcode or town instead.",
    "error-3": "Finding your location took too long. Try again, or type a postcode or town."
  };
  var OPTIONS = { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 };

  function round3(value) {
    return (Math.round(value * 1000) / 1000).toFixed(3);
  }

  function enhance(form) {
    var button = form.querySelector("[data-locate-button]");
    var status = form.querySelector("[data-locate-status]");
    var lat = form.querySelector("[data-locate-lat]");
    var lng = form.querySelector("[data-locate-lng]");
    var where = form.elements.namedItem("where");
    if (!button || !status || !lat || !lng) {
      return;
    }

    function say(text) {
      status.textContent = text;
    }

    function words(key) {
      return status.getAttribute("data-" + key) || WORDS[key];
    }

    function clearPoint() {
      lat.value = "";
      lng.value = "";
      lat.disabled = true;
      lng.disabled = true;
    }

    // Typing a place replaces a location found earlier.
    if (where) {
      where.addEventListener("input", function () {
        if (where.value.trim() !== "") {
          clearPoint();
        }
      });
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say(words("finding"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = round3(position.coords.latitude);
          lng.value = round3(position.coords.longitude);
          lat.disabled = false;
          lng.disabled = false;
          if (where) {
            where.value = "";
          }
          say(words("searching"));
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit();
          } else {
            form.submit();
          }
        },
        function (error) {
          button.disabled = false;
          button.removeAttribute("aria-busy");
          var code = error && error.code;
          say(words("error-" + (code === 1 || code === 3 ? code : 2)));
        },
        OPTIONS
      );
    });

    // Coming back with the Back button: the page may be restored as it was left.
    if (window.addEventListener) {
      window.addEventListener("pageshow", function () {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        say("");
      });
    }

    button.hidden = false;
  }

  var forms = document.querySelectorAll("[data-search-form]");
  for (var i = 0; i < forms.length; i += 1) {
    enhance(forms[i]);
  }
})();
