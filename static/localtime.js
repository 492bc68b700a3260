// The server stores and sends times in UTC: it cannot know the reader's zone, the
// browser does. Each <time> is shown in it; without JavaScript the UTC text stays.
for (const time of document.querySelectorAll("time[datetime]")) {
  // Field by field: dateStyle and timeStyle refuse timeZoneName beside them.
  time.textContent = new Date(time.dateTime).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
}
