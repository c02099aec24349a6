import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { describe, expect, it } from 'vitest';

const markdown = new MarkdownIt({ html: true });
const docs = path.join(repoRoot, 'docs');
const pages = [
  path.join(repoRoot, 'README.md'),
  ...readdirSync(docs)
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(docs, name)),
];

/** Every token of a document, inline children included (links and images live there). */
function tokensOf(file: string): Token[] {
  return markdown
    .parse(readFileSync(file, 'utf8'), {})
    .flatMap((token) => [token, ...(token.children ?? [])]);
}

/** The anchors GitHub makes for a Markdown file's headings. */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const tokens = tokensOf(file);
  return new Set(
    tokens.flatMap((token, i) => {
      const inline = tokens[i + 1];
      return token.type === 'heading_open' && inline ? [slugger.slug(inline.content.replace(/`/g, ''))] : [];
    }),
  );
}

/** Relative links and images of a page whose file (or heading) does not exist. */
function brokenLinks(page: string): string[] {
  const targets = tokensOf(page).flatMap((token) => {
    if (token.type === 'link_open') return [token.attrGet('href') ?? ''];
    if (token.type === 'image') return [token.attrGet('src') ?? ''];
    return [];
  });
  return targets
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .filter((target) => {
      const [file = '', anchor] = target.split('#');
      const resolved = file ? path.resolve(path.dirname(page), decodeURIComponent(file)) : page;
      if (!existsSync(resolved)) return true;
      if (anchor === undefined || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) return false;
      return !anchorsOf(resolved).has(decodeURIComponent(anchor));
    });
}

describe('links in README.md and docs/', () => {
  it.each(pages.map((page) => [path.relative(repoRoot, page), page]))(
    '%s: every relative link resolves',
    (_, page) => {
      expect(brokenLinks(page)).toEqual([]);
    },
  );
});
