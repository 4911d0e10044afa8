// The UTC instants of every timed event of iCalendar feeds, as Mozilla's ical.js reads them.
//
//   node instants.mjs UNTIL FILE.ics [FILE.ics ...]
//
// For each file, and each VEVENT whose DTSTART has a TZID, prints the wall
// time and UTC instant (milliseconds since the epoch) of each occurrence that
// starts before UNTIL (YYYY-MM-DD, wall time), with EXDATEs left out, and of
// its DTEND. Each time is read through the feed's own VTIMEZONE: an event
// whose zone is not defined in the feed is an error, not a floating time.
// Output: JSON {file: {uid: {tzid, end: [wall, ms], occurrences: [[wall, ms], ...]}}}.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const MAX_OCCURRENCES = 2000;
const [until, ...files] = process.argv.slice(2);
if (!until || files.length === 0) {
  console.error("usage: node instants.mjs UNTIL FILE.ics [FILE.ics ...]");
  process.exit(2);
}
const limit = ICAL.Time.fromDateString(until);

function wall(time) {
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`;
}

function zoned(time, tzid, what) {
  if (!time.zone || time.zone.tzid !== tzid) {
    throw new Error(`${what}: TZID ${tzid} was not read through the feed's VTIMEZONE (zone ${time.zone && time.zone.tzid})`);
  }
  return [wall(time), time.toUnixTime() * 1000];
}

const result = {};
for (const file of files) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  const found = {};
  for (const component of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(component);
    const start = component.getFirstProperty("dtstart");
    const tzid = start.getParameter("tzid");
    if (!tzid || event.startDate.isDate) {
      continue;
    }
    const occurrences = [];
    const iterator = event.iterator();
    let next;
    while ((next = iterator.next()) && next.compare(limit) < 0 && occurrences.length < MAX_OCCURRENCES) {
      occurrences.push(zoned(next, tzid, `${event.uid} occurrence`));
    }
    found[event.uid] = {
      tzid,
      end: zoned(event.endDate, component.getFirstProperty("dtend").getParameter("tzid"), `${event.uid} DTEND`),
      occurrences,
    };
  }
  result[file] = found;
}
process.stdout.write(JSON.stringify(result));
