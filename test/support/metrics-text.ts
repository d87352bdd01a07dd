/** Every sample of a Prometheus exposition text, by series (`name{labels}`). */
export function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    map.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return map;
}

/** The metric names an exposition text declares (`# TYPE name kind`). */
export function declaredMetrics(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!match) continue;
    names.add(match[1]!);
    // Histograms and summaries are queried through their series.
    if (match[2] === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(match[1]! + suffix);
  }
  return names;
}
