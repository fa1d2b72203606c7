/**
 * The statement as a PDF (issue 16 item 3), through pdfkit: the same figures as the page, A4 with
 * margins that also fit Letter when printed. The standard Helvetica font covers Latin-1 text only:
 * names and memos outside it are shown with a replacement character (docs/ledger.md).
 * `compress: false` in tests lets them read the text from the file.
 */
import PDFDocument from 'pdfkit';
import type { StatementPageView } from './statement-view.js';

const MARGIN = 56;
const COLUMNS = [
  { title: 'Date (UTC)', width: 120, align: 'left' },
  { title: 'Description', width: 170, align: 'left' },
  { title: 'Amount', width: 96, align: 'right' },
  { title: 'Balance', width: 96, align: 'right' },
] as const;

/** Latin-1 only (the standard fonts' encoding); anything else becomes "?" rather than garbage. */
const latin1 = (text: string) => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

function summary(doc: PDFKit.PDFDocument, v: StatementPageView): void {
  doc.font('Helvetica-Bold').fontSize(18).text(`minibank statement, ${v.monthLabel}`);
  doc.font('Helvetica').fontSize(10).moveDown(0.3);
  doc.text(v.final ? 'Final statement' : 'Interim statement: this month has not ended yet, figures may still change.');
  doc.text(`Account ${v.accountNumber} (${v.currency}), held by ${latin1(v.holder)}`);
  doc.moveDown();
  const rows: [string, string][] = [
    ['Opening balance', v.opening],
    ['Money in', v.credits],
    ['Money out', v.debits],
    ['Closing balance', v.closing],
  ];
  for (const [label, value] of rows) {
    const y = doc.y;
    doc.font(label === 'Closing balance' ? 'Helvetica-Bold' : 'Helvetica').text(label, MARGIN, y, { width: 200 });
    doc.text(latin1(value), MARGIN + 200, y, { width: 120, align: 'right' });
  }
  doc.font('Helvetica').moveDown();
}

function tableRow(doc: PDFKit.PDFDocument, cells: string[], bold = false): void {
  if (doc.y > doc.page.height - MARGIN - 40) doc.addPage();
  const y = doc.y;
  let x = MARGIN;
  let bottom = y;
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
  COLUMNS.forEach((column, i) => {
    doc.text(latin1(cells[i] ?? ''), x, y, { width: column.width - 6, align: column.align });
    bottom = Math.max(bottom, doc.y);
    x += column.width;
  });
  doc.y = bottom + 3;
  doc.x = MARGIN;
}

function transactions(doc: PDFKit.PDFDocument, v: StatementPageView): void {
  tableRow(
    doc,
    COLUMNS.map((c) => c.title),
    true,
  );
  if (v.rows.length === 0) tableRow(doc, ['', 'No transactions this month.', '', '']);
  for (const r of v.rows) {
    const description = [r.description, r.counterpartyNumber, r.memo].filter(Boolean).join(' · ');
    tableRow(doc, [r.date, description, r.amount.replace('\u2212', '-'), r.balanceAfter]);
  }
}

function footer(doc: PDFKit.PDFDocument, v: StatementPageView): void {
  doc.moveDown().font('Helvetica').fontSize(8).fillColor('#444');
  doc.text(`Issued ${v.issuedAt}. Ledger head at the close: position ${v.ledgerHead.seq}, hash ${v.ledgerHead.hash}.`);
  doc.text(`Signed with Ed25519 key ${v.keyId}. Signature: ${v.signature}`);
  doc.text('Check the JSON form of this statement offline with `minibank verify-statement`; the keys are at /.well-known/minibank/statement-key.');
}

/** The PDF's bytes. */
export function statementPdf(v: StatementPageView, options: { compress?: boolean } = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: options.compress ?? true,
    info: { Title: `minibank statement ${v.month}`, Author: 'minibank', Subject: `Account ${v.accountNumber}` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  summary(doc, v);
  transactions(doc, v);
  footer(doc, v);
  doc.end();
  return done;
}
