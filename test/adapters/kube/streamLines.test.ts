/**
 * A stream's lines are what the server wrote, however its bytes were cut into chunks: a line
 * over three chunks, characters of two, three and four bytes cut between chunks, several lines
 * in one chunk, an empty line (skipped), and a last line with no newline (handed on at the end).
 * This pins that the reader (client.ts, `read`) cuts and loses no character, whichever way it
 * splits and decodes (a reader that cut lines in the bytes was tried: docs/development.md, "Row 2:
 * per-change cost"). The server waits between chunks, so the client's socket reads them one by one.
 */
import { createServer, type Server } from 'node:http';
import { KubeClient } from '../../../adapters/kube/client.js';
import { listenWithClient } from './plainServer.js';

const lines = ['{"type":"ADDED","object":{"metadata":{"name":"one"}}}', 'café crème €5 😀 日本', '{"a":"ü"}', '{"b":2}', 'the last, unterminated'];
const bytes = Buffer.from(`${lines[0]}\n${lines[1]}\n${lines[2]}\n\n${lines[3]}\n${lines[4]}`, 'utf8');

/** Cut points: inside the first line twice, inside each multi-byte character of the second, and after the empty line. */
function cuts(): number[] {
  const at: number[] = [10, 30];
  const second = bytes.indexOf('café');
  for (const ch of ['é', '€', '😀', '日']) {
    const start = bytes.indexOf(Buffer.from(ch, 'utf8'), second);
    at.push(start + 1);
  }
  at.push(bytes.indexOf('{"b"'));
  return at.sort((a, b) => a - b);
}

let server: Server;
let client: KubeClient;

beforeAll(async () => {
  server = createServer(async (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    let from = 0;
    for (const to of [...cuts(), bytes.length]) {
      response.write(bytes.subarray(from, to));
      from = to;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    response.end();
  });
  client = await listenWithClient(server);
});

afterAll(() => {
  client.close();
  server.closeAllConnections();
  server.close();
});

test('linesCutAcrossChunksAndInsideCharactersArriveWhole', async () => {
  const stream = await client.openStream('/watch');
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.read(
      (line) => {
        got.push(line);
      },
      (error) => (error ? reject(error) : resolve()),
    );
  });
  expect(got).toEqual(lines);
});
