// Expand iCalendar feeds with ical.js (Thunderbird's parser), for the cross-engine feed tests.
//
//   node icaljs_expand.mjs WINDOW_START WINDOW_END < feeds.ics
//
// stdin holds one or more VCALENDARs, concatenated. The window is two Unix times in seconds,
// [start, end). One JSON object per meeting whose start falls in the window is written to stdout:
//   {"feed": 0, "uid": "...", "start": 1764097200, "end": 1764104400, "kind": "master"}
// "feed" is the 0-based position of the VCALENDAR on stdin. "kind" is "master" for a plain
// occurrence, "override" for an occurrence replaced by its RECURRENCE-ID override, and "orphan"
// for an override whose RECURRENCE-ID matches no occurrence of its master (clients still list it).
//
// Zones come only from the feed's own VTIMEZONE bodies: the TimezoneService is reset for every
// VCALENDAR and each VTIMEZONE is registered with it, as Thunderbird does with a subscribed feed.
// A TZID without a VTIMEZONE, a floating time or a date-only DTSTART is an error (exit 3).
// STATUS:CANCELLED masters and overrides are left out. EXDATEs are applied by RecurExpansion.

import ICAL from "ical.js";

const [startArg, endArg] = process.argv.slice(2);
if (startArg === undefined || endArg === undefined) {
  process.stderr.write("usage: node icaljs_expand.mjs WINDOW_START WINDOW_END < feeds.ics\n");
  process.exit(2);
}
const windowStart = Number(startArg);
const windowEnd = Number(endArg);

function fail(message) {
  process.stderr.write(`icaljs_expand: ${message}\n`);
  process.exit(3);
}

function checkTime(time, what, uid) {
  if (time.isDate) fail(`${uid}: ${what} is a DATE, not a DATE-TIME`);
  const zone = time.zone;
  if (!zone || zone === ICAL.Timezone.localTimezone || zone.tzid === "floating") {
    fail(`${uid}: ${what} is floating or its TZID has no VTIMEZONE`);
  }
}

function isCancelled(component) {
  const status = component.getFirstPropertyValue("status");
  return typeof status === "string" && status.toUpperCase() === "CANCELLED";
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const out = [];
function emit(feed, uid, start, end, kind) {
  if (start >= windowStart && start < windowEnd) {
    out.push(JSON.stringify({ feed, uid, start, end, kind }));
  }
}

function expandCalendar(vcalendar, feed) {
  ICAL.TimezoneService.reset();
  for (const vtz of vcalendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  const vevents = vcalendar.getAllSubcomponents("vevent");
  const masters = new Map();
  const overrides = [];
  for (const comp of vevents) {
    const uid = comp.getFirstPropertyValue("uid");
    if (comp.hasProperty("recurrence-id")) {
      overrides.push(comp);
    } else {
      if (masters.has(uid)) fail(`${uid}: two masters with the same UID`);
      masters.set(uid, comp);
    }
  }
  const events = new Map();
  for (const [uid, comp] of masters) {
    events.set(uid, new ICAL.Event(comp, { strictExceptions: true, exceptions: [] }));
  }
  const matched = new Set();
  for (const comp of overrides) {
    const uid = comp.getFirstPropertyValue("uid");
    const event = events.get(uid);
    if (event === undefined) {
      // An override with no master: clients show it as a single event.
      const single = new ICAL.Event(comp);
      checkTime(single.startDate, "DTSTART", uid);
      if (!isCancelled(comp)) {
        emit(feed, uid, single.startDate.toUnixTime(), single.endDate.toUnixTime(), "orphan");
      }
      continue;
    }
    event.relateException(comp);
  }

  for (const [uid, event] of events) {
    if (isCancelled(event.component)) continue;
    checkTime(event.startDate, "DTSTART", uid);
    checkTime(event.endDate, "DTEND", uid);
    const exceptionIds = Object.keys(event.exceptions);
    for (const id of exceptionIds) checkTime(event.exceptions[id].recurrenceId, "RECURRENCE-ID", uid);
    if (!event.isRecurring()) {
      emit(feed, uid, event.startDate.toUnixTime(), event.endDate.toUnixTime(), "master");
      continue;
    }
    // Expand until past the window and past every override's original slot.
    let horizon = windowEnd;
    for (const id of exceptionIds) {
      horizon = Math.max(horizon, event.exceptions[id].recurrenceId.toUnixTime() + 1);
    }
    const iterator = event.iterator();
    let next;
    let guard = 0;
    while ((next = iterator.next())) {
      if (++guard > 100000) fail(`${uid}: runaway expansion`);
      checkTime(next, "occurrence", uid);
      if (next.toUnixTime() >= horizon) break;
      const details = event.getOccurrenceDetails(next);
      if (details.item !== event) {
        matched.add(details.item);
        if (isCancelled(details.item.component)) continue;
        checkTime(details.startDate, "override DTSTART", uid);
        emit(feed, uid, details.startDate.toUnixTime(), details.endDate.toUnixTime(), "override");
      } else {
        emit(feed, uid, details.startDate.toUnixTime(), details.endDate.toUnixTime(), "master");
      }
    }
    for (const id of exceptionIds) {
      const exception = event.exceptions[id];
      if (matched.has(exception) || isCancelled(exception.component)) continue;
      checkTime(exception.startDate, "override DTSTART", uid);
      emit(feed, uid, exception.startDate.toUnixTime(), exception.endDate.toUnixTime(), "orphan");
    }
  }
}

const text = await readStdin();
let jcal;
try {
  jcal = ICAL.parse(text);
} catch (error) {
  fail(`parse error: ${error.message}`);
}
// One top-level component parses to a jCal array; several to an array of them.
const calendars = typeof jcal[0] === "string" ? [jcal] : jcal;
calendars.forEach((data, index) => {
  const component = new ICAL.Component(data);
  if (component.name !== "vcalendar") fail(`top-level component ${component.name}`);
  expandCalendar(component, index);
});
process.stdout.write(out.length ? out.join("\n") + "\n" : "");
