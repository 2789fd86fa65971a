/* Expand iCalendar feeds with libical (Evolution's library), for the cross-engine feed tests.
 *
 *   libical_expand WINDOW_START WINDOW_END < feeds.ics
 *
 * stdin holds one or more VCALENDARs, concatenated. The window is two Unix times in seconds,
 * [start, end). One JSON object per meeting whose start falls in the window goes to stdout:
 *   {"feed": 0, "uid": "...", "start": 1764097200, "end": 1764104400, "kind": "master"}
 * "feed" is the 0-based position of the VCALENDAR on stdin; "kind" is "master" (a plain
 * occurrence), "override" (replaced by its RECURRENCE-ID override) or "orphan" (an override whose
 * RECURRENCE-ID matches no occurrence; clients still list it). Parse problems libical reports as
 * X-LIC-ERROR come out as {"feed": 0, "error": "..."}.
 *
 * Every TZID is resolved through the feed's own VTIMEZONE bodies (icaltimezone_set_component),
 * never libical's built-in or system zones, as Outlook and a VTIMEZONE-reading Evolution do.
 * A TZID with no VTIMEZONE, a floating time, a DATE value or an RDATE is an error (exit 3).
 * Each master's RRULE is expanded with icalrecur_iterator in local wall time; EXDATEs and
 * RECURRENCE-IDs match an occurrence when they denote the same instant (RFC 5545).
 * STATUS:CANCELLED masters and overrides are left out.
 */

#include <libical/ical.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ZONES 64
#define MAX_EVENTS 20000

static const char *zone_ids[MAX_ZONES];
static icaltimezone *zone_defs[MAX_ZONES];
static int zone_count;
static int feed_index;
static time_t window_start, window_end;

static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "libical_expand: feed %d: ", feed_index);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void emit(const char *uid, time_t start, time_t end, const char *kind)
{
    if (start < window_start || start >= window_end)
        return;
    printf("{\"feed\": %d, \"uid\": ", feed_index);
    print_json_string(uid);
    printf(", \"start\": %lld, \"end\": %lld, \"kind\": \"%s\"}\n",
           (long long) start, (long long) end, kind);
}

static icaltimezone *feed_zone(const char *tzid)
{
    for (int i = 0; i < zone_count; i++)
        if (strcmp(zone_ids[i], tzid) == 0)
            return zone_defs[i];
    return NULL;
}

/* The zone a DATE-TIME property is in: UTC, or its TZID's VTIMEZONE from this feed. */
static icaltimezone *property_zone(icalproperty *prop, struct icaltimetype t, const char *what,
                                   const char *uid)
{
    icalparameter *param;
    icaltimezone *zone;

    if (t.is_date)
        die("%s: %s is a DATE, not a DATE-TIME", uid, what);
    param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    if (icaltime_is_utc(t)) {
        if (param)
            die("%s: %s has both TZID and Z", uid, what);
        return icaltimezone_get_utc_timezone();
    }
    if (!param)
        die("%s: %s is a floating time", uid, what);
    zone = feed_zone(icalparameter_get_tzid(param));
    if (!zone)
        die("%s: %s has TZID=%s with no VTIMEZONE in the feed", uid, what,
            icalparameter_get_tzid(param));
    return zone;
}

static time_t instant(icalproperty *prop, struct icaltimetype t, const char *what, const char *uid)
{
    icaltimezone *zone = property_zone(prop, t, what, uid);
    t.zone = zone;
    return icaltime_as_timet_with_zone(t, zone);
}

static int is_cancelled(icalcomponent *comp)
{
    icalproperty *p = icalcomponent_get_first_property(comp, ICAL_STATUS_PROPERTY);
    return p && icalproperty_get_status(p) == ICAL_STATUS_CANCELLED;
}

static const char *uid_of(icalcomponent *comp)
{
    icalproperty *p = icalcomponent_get_first_property(comp, ICAL_UID_PROPERTY);
    if (!p)
        die("VEVENT without UID");
    return icalproperty_get_uid(p);
}

/* Start and end of a VEVENT as Unix times (DTEND, or DTSTART + DURATION). */
static void event_span(icalcomponent *comp, const char *uid, time_t *start, time_t *end)
{
    icalproperty *ps = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
    icalproperty *pe = icalcomponent_get_first_property(comp, ICAL_DTEND_PROPERTY);
    icalproperty *pd = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);

    if (!ps)
        die("%s: no DTSTART", uid);
    *start = instant(ps, icalproperty_get_dtstart(ps), "DTSTART", uid);
    if (pe)
        *end = instant(pe, icalproperty_get_dtend(pe), "DTEND", uid);
    else if (pd)
        *end = *start + icaldurationtype_as_int(icalproperty_get_duration(pd));
    else
        *end = *start;
}

struct override {
    const char *uid;
    time_t rid, start, end;
    int cancelled, matched;
};

static void expand_calendar(icalcomponent *cal)
{
    static struct override overrides[MAX_EVENTS];
    int override_count = 0;
    icalcomponent *c;
    icalproperty *p;

    for (p = icalcomponent_get_first_property(cal, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(cal, ICAL_XLICERROR_PROPERTY)) {
        printf("{\"feed\": %d, \"error\": ", feed_index);
        print_json_string(icalproperty_get_xlicerror(p));
        printf("}\n");
    }

    /* Zones: only the feed's VTIMEZONE bodies. */
    for (int i = 0; i < zone_count; i++)
        icaltimezone_free(zone_defs[i], 1);
    zone_count = 0;
    for (c = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); c;
         c = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
        icaltimezone *zone = icaltimezone_new();
        if (zone_count == MAX_ZONES)
            die("too many VTIMEZONEs");
        if (!icaltimezone_set_component(zone, icalcomponent_new_clone(c)))
            die("unusable VTIMEZONE");
        zone_ids[zone_count] = icaltimezone_get_tzid(zone);
        zone_defs[zone_count++] = zone;
    }

    /* Overrides first, so that masters can claim them. */
    for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
         c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
        struct override *o;
        if (!rid)
            continue;
        if (override_count == MAX_EVENTS)
            die("too many overrides");
        o = &overrides[override_count++];
        o->uid = uid_of(c);
        o->rid = instant(rid, icalproperty_get_recurrenceid(rid), "RECURRENCE-ID", o->uid);
        event_span(c, o->uid, &o->start, &o->end);
        o->cancelled = is_cancelled(c);
        o->matched = 0;
    }

    for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
         c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        static time_t exdates[MAX_EVENTS];
        int exdate_count = 0;
        const char *uid;
        icalproperty *ps, *rrule;
        struct icaltimetype dtstart, next;
        icaltimezone *zone;
        time_t start, end, duration, horizon;
        icalrecur_iterator *it;
        long guard = 0;

        if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY))
            continue;
        uid = uid_of(c);
        if (is_cancelled(c))
            continue;
        if (icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY))
            die("%s: RDATE is not expected in a groupfinder feed", uid);
        if (icalcomponent_count_properties(c, ICAL_RRULE_PROPERTY) > 1)
            die("%s: more than one RRULE", uid);
        event_span(c, uid, &start, &end);
        duration = end - start;
        for (p = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY); p;
             p = icalcomponent_get_next_property(c, ICAL_EXDATE_PROPERTY)) {
            if (exdate_count == MAX_EVENTS)
                die("%s: too many EXDATEs", uid);
            exdates[exdate_count++] = instant(p, icalproperty_get_exdate(p), "EXDATE", uid);
        }

        rrule = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
        if (!rrule) {
            for (int i = 0; i < exdate_count; i++)
                if (exdates[i] == start)
                    goto next_event;
            for (int i = 0; i < override_count; i++)
                if (!overrides[i].matched && strcmp(overrides[i].uid, uid) == 0
                    && overrides[i].rid == start) {
                    overrides[i].matched = 1;
                    if (!overrides[i].cancelled)
                        emit(uid, overrides[i].start, overrides[i].end, "override");
                    goto next_event;
                }
            emit(uid, start, end, "master");
            goto next_event;
        }

        horizon = window_end;
        for (int i = 0; i < override_count; i++)
            if (strcmp(overrides[i].uid, uid) == 0 && overrides[i].rid + 1 > horizon)
                horizon = overrides[i].rid + 1;

        ps = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
        dtstart = icalproperty_get_dtstart(ps);
        zone = property_zone(ps, dtstart, "DTSTART", uid);
        dtstart.zone = zone;
        it = icalrecur_iterator_new(icalproperty_get_rrule(rrule), dtstart);
        if (!it)
            die("%s: libical refused the RRULE", uid);
        for (next = icalrecur_iterator_next(it); !icaltime_is_null_time(next);
             next = icalrecur_iterator_next(it)) {
            time_t at = icaltime_as_timet_with_zone(next, zone);
            int skip = 0;
            if (++guard > 1000000)
                die("%s: runaway expansion", uid);
            if (at >= horizon)
                break;
            for (int i = 0; i < exdate_count && !skip; i++)
                skip = exdates[i] == at;
            if (skip)
                continue;
            for (int i = 0; i < override_count && !skip; i++)
                if (!overrides[i].matched && strcmp(overrides[i].uid, uid) == 0
                    && overrides[i].rid == at) {
                    overrides[i].matched = skip = 1;
                    if (!overrides[i].cancelled)
                        emit(uid, overrides[i].start, overrides[i].end, "override");
                }
            if (!skip)
                emit(uid, at, at + duration, "master");
        }
        icalrecur_iterator_free(it);
      next_event:;
    }

    for (int i = 0; i < override_count; i++)
        if (!overrides[i].matched && !overrides[i].cancelled)
            emit(overrides[i].uid, overrides[i].start, overrides[i].end, "orphan");
}

static char *read_all(FILE *f)
{
    size_t size = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + size, 1, cap - size - 1, f)) > 0) {
        size += n;
        if (cap - size < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    if (!buf)
        die("out of memory");
    buf[size] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    char *text, *cursor;
    const char *marker = "BEGIN:VCALENDAR";

    if (argc != 3) {
        fprintf(stderr, "usage: %s WINDOW_START WINDOW_END < feeds.ics\n", argv[0]);
        return 2;
    }
    window_start = (time_t) strtoll(argv[1], NULL, 10);
    window_end = (time_t) strtoll(argv[2], NULL, 10);
    /* Belt and braces: no zone data to fall back on, even by accident. */
    set_zone_directory("/nonexistent-groupfinder-zoneinfo");

    text = read_all(stdin);
    cursor = strstr(text, marker);
    for (feed_index = 0; cursor; feed_index++) {
        char *following = strstr(cursor + strlen(marker), marker);
        icalcomponent *cal;
        if (following)
            following[-1] = '\0'; /* ends the previous feed at its final LF */
        cal = icalparser_parse_string(cursor);
        if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
            die("not a VCALENDAR");
        expand_calendar(cal);
        icalcomponent_free(cal);
        if (following)
            following[-1] = '\n';
        cursor = following;
    }
    free(text);
    return 0;
}
