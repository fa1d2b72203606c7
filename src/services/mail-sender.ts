/**
 * Sends one email through SMTP_URL with nodemailer. Plain text and a simple HTML body, no tracking,
 * no attachments; nodemailer's file and URL access are off, so a message can never read a local
 * file or fetch an address. The SMTP URL may carry credentials: it is never logged.
 */
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailSender {
  /** @throws Error when the SMTP server refuses or cannot be reached. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** A sender through `smtpUrl` (smtp:// or smtps://) with `from` as the From address; timeouts in ms. */
export function createMailSender(options: { smtpUrl: string; from: string; timeoutMs: number }): MailSender {
  const transport = nodemailer.createTransport(options.smtpUrl, {
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const timeouts = { connectionTimeout: options.timeoutMs, greetingTimeout: options.timeoutMs, socketTimeout: options.timeoutMs };
  Object.assign(transport.options, timeouts);
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
    },
    close() {
      transport.close();
    },
  };
}
