/*
 * A client in its own process, as a browser or curl would be: sends `count`
 * sequential GETs over one keep-alive connection and prints each round
 * trip in milliseconds as JSON. Run by bench/lib/client.ts, so the
 * backend's event loop serves requests and does nothing else.
 */
const http = require('node:http');

const { url, headers, warmup, count } = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent, headers }, res => {
      let bytes = 0;
      res.on('data', chunk => (bytes += chunk.length));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
        else resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, bytes });
      });
    });
    req.on('error', reject);
  });
}

(async () => {
  for (let i = 0; i < warmup; i++) await get();
  const samples = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const result = await get();
    samples.push(result.ms);
    bytes = result.bytes;
  }
  process.stdout.write(JSON.stringify({ samples, bytes }));
  agent.destroy();
})().catch(error => {
  process.stderr.write(String(error.stack ?? error));
  process.exit(1);
});
