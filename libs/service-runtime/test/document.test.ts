import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DocumentError, loadDocument } from '../src/index.ts';

const Rules = z.object({ rules: z.array(z.object({ id: z.string(), afterMinutes: z.number().int().positive() })) });
const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'parley-doc-')), 'rules.yaml');
  writeFileSync(path, text);
  return path;
};

describe('loadDocument: one loader and one error format for every file Parley reads', () => {
  it('reads YAML and JSON alike', () => {
    expect(loadDocument(file('rules:\n  - id: a\n    afterMinutes: 5\n'), Rules, 'rules')).toEqual({
      rules: [{ id: 'a', afterMinutes: 5 }],
    });
    expect(loadDocument(file('{"rules": []}'), Rules, 'rules')).toEqual({ rules: [] });
  });

  it('names the file and every broken field, in one line', () => {
    const path = file('rules:\n  - id: a\n    afterMinutes: -1\n  - afterMinutes: 2\n');
    const error = (() => {
      try {
        loadDocument(path, Rules, 'follow-up rules');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).message).toBe(
      `follow-up rules ${path}: rules.0.afterMinutes: Too small: expected number to be >0; rules.1.id: Invalid input: expected string, received undefined`,
    );
  });

  it('says when the file cannot be read or is not YAML', () => {
    expect(() => loadDocument('/nonexistent/rules.yaml', Rules, 'rules')).toThrow(
      /^rules \/nonexistent\/rules\.yaml: cannot read it: ENOENT/,
    );
    const broken = file('rules: [unclosed');
    expect(() => loadDocument(broken, Rules, 'rules')).toThrow(new RegExp(`^rules ${broken}: not valid YAML/JSON: `));
  });
});
