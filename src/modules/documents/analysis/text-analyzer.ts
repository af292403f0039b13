import type { TextAnalysis } from './analysis-result.interface';

const REQUIREMENT = /\b(must not|must|shall not|shall|should not|should|required to)\b/i;
/** `GET /orders/{id}`; sentence punctuation after the path is not part of it. */
const ENDPOINT = /\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/(?:[^\s`'"),;]*[^\s`'"),;.:])?)/g;

const words = (text: string): number => (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu) ?? []).length;

/**
 * Analyses a Markdown or plain-text requirements document: its structure
 * (headings, sections and their word counts) and the requirement statements it
 * contains (MUST / SHALL / SHOULD sentences, RFC 2119 style), plus the
 * `METHOD /path` endpoints it mentions. Text inside code blocks is structure,
 * not prose: it is counted as code and never read as a requirement.
 */
export function analyzeText(content: string, format: 'markdown' | 'text'): TextAnalysis {
  const lines = content.split(/\r?\n/);
  const headings: TextAnalysis['headings'] = [];
  const sections: Array<{ heading: string | null; level: number; line: number; text: string[] }> = [{ heading: null, level: 0, line: 1, text: [] }];
  const requirements: TextAnalysis['requirements'] = [];
  const endpoints: TextAnalysis['endpoints_mentioned'] = [];
  let inCode = false;
  let codeBlocks = 0;
  let paragraph: { text: string; line: number }[] = [];

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const joined = paragraph.map((p) => p.text).join(' ');
    const startLine = paragraph[0].line;
    for (const sentence of joined.split(/(?<=[.!?])\s+(?=[A-Z0-9"“(])/)) {
      const match = REQUIREMENT.exec(sentence);
      if (!match) continue;
      const located = paragraph.find((p) => p.text.includes(sentence.slice(0, Math.min(20, sentence.length)))) ?? paragraph[0];
      requirements.push({ keyword: match[1].toUpperCase(), text: sentence.trim(), line: located.line ?? startLine, section: sections.at(-1)!.heading });
    }
    paragraph = [];
  };

  lines.forEach((raw, index) => {
    const line = index + 1;
    if (format === 'markdown' && /^\s*(```|~~~)/.test(raw)) {
      if (!inCode) codeBlocks++;
      inCode = !inCode;
      flushParagraph();
      return;
    }
    if (inCode) return;
    for (const m of raw.matchAll(ENDPOINT)) endpoints.push({ method: m[1], path: m[2], line });
    const atx = format === 'markdown' ? /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(raw) : null;
    const next = lines[index + 1] ?? '';
    const setext = format === 'markdown' && raw.trim() && /^(=+|-+)\s*$/.test(next) && !/^\s*[-*]\s/.test(raw) ? (next.trim().startsWith('=') ? 1 : 2) : 0;
    if (atx || setext) {
      flushParagraph();
      const heading = { level: atx ? atx[1].length : setext, text: (atx ? atx[2] : raw).trim(), line };
      headings.push(heading);
      sections.push({ heading: heading.text, level: heading.level, line, text: [] });
      return;
    }
    if (format === 'markdown' && /^(=+|-+)\s*$/.test(raw) && headings.at(-1)?.line === line - 1) return;
    if (!raw.trim()) {
      flushParagraph();
      return;
    }
    const text = raw.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();
    sections.at(-1)!.text.push(text);
    paragraph.push({ text, line });
    // A list item is a statement of its own.
    if (/^\s*(?:[-*+]|\d+[.)])\s+/.test(raw)) flushParagraph();
  });
  flushParagraph();

  const keptSections = sections.filter((s) => s.heading !== null || s.text.length > 0);
  const firstHeading = headings.find((h) => h.level === 1) ?? headings[0];
  return {
    format,
    title: firstHeading?.text ?? (lines.find((l) => l.trim())?.trim().slice(0, 120) || null),
    summary: {
      line_count: lines.length,
      word_count: words(content),
      heading_count: headings.length,
      section_count: keptSections.length,
      requirement_count: requirements.length,
      code_block_count: codeBlocks,
    },
    headings,
    sections: keptSections.map((s) => ({ heading: s.heading, level: s.level, line: s.line, word_count: words(s.text.join(' ')) })),
    requirements,
    endpoints_mentioned: endpoints,
  };
}
