/**
 * A software WebAuthn authenticator for tests (node:crypto ES256 keys), so passkey attacks can be
 * sent at the integration level: it builds clientDataJSON, authenticatorData (RP ID hash, flags,
 * counter, attested credential data) and an attestation object of format 'none' (a few CBOR bytes
 * built by hand), and signs assertions. Every field an attacker controls can be overridden.
 */
import crypto from 'node:crypto';

const b64u = (bytes: Buffer | Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

/** CBOR byte string header (major type 2) for `length` bytes. */
function cborBytes(bytes: Buffer): Buffer {
  const head =
    bytes.length < 24
      ? Buffer.from([0x40 | bytes.length])
      : bytes.length < 256
        ? Buffer.from([0x58, bytes.length])
        : Buffer.from([0x59, bytes.length >> 8, bytes.length & 0xff]);
  return Buffer.concat([head, bytes]);
}
const cborText = (text: string) => Buffer.concat([Buffer.from([0x60 | text.length]), Buffer.from(text)]);

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  counter?: number;
  type?: string;
  userHandle?: string | null;
}

export class SoftAuthenticator {
  readonly credentialId = crypto.randomBytes(16);
  private readonly keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  userHandle: string | null = null;
  counter = 0;

  constructor(
    readonly rpId: string,
    readonly origin: string,
    /** Synced passkey (BE and BS flags set). */
    readonly backedUp = true,
  ) {}

  get id(): string {
    return b64u(this.credentialId);
  }

  private coseKey(): Buffer {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x!, 'base64url');
    const y = Buffer.from(jwk.y!, 'base64url');
    // {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
    return Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]), cborBytes(x), Buffer.from([0x22]), cborBytes(y)]);
  }

  private authData(o: CeremonyOverrides, attested: boolean): Buffer {
    let flags = FLAG_UP | (o.userVerified === false ? 0 : FLAG_UV) | (this.backedUp ? FLAG_BE | FLAG_BS : 0);
    if (attested) flags |= FLAG_AT;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(o.counter ?? this.counter);
    const parts: Buffer[] = [sha256(o.rpId ?? this.rpId), Buffer.from([flags]), counter];
    if (attested) {
      const len = Buffer.from([this.credentialId.length >> 8, this.credentialId.length & 0xff]);
      parts.push(Buffer.alloc(16), len, this.credentialId, this.coseKey());
    }
    return Buffer.concat(parts);
  }

  private clientData(type: string, challenge: string, o: CeremonyOverrides): Buffer {
    return Buffer.from(JSON.stringify({ type: o.type ?? type, challenge, origin: o.origin ?? this.origin, crossOrigin: false }));
  }

  /** navigator.credentials.create's answer, as @simplewebauthn/browser's JSON, for creation options. */
  register(options: { challenge: string; user: { id: string } }, o: CeremonyOverrides = {}): Record<string, unknown> {
    this.userHandle = options.user.id;
    const authData = this.authData(o, true);
    const attestation = Buffer.concat([
      Buffer.from([0xa3]),
      cborText('fmt'),
      cborText('none'),
      cborText('attStmt'),
      Buffer.from([0xa0]),
      cborText('authData'),
      cborBytes(authData),
    ]);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(this.clientData('webauthn.create', options.challenge, o)),
        attestationObject: b64u(attestation),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get's answer for `challenge`; the counter goes up by one unless overridden. */
  assert(challenge: string, o: CeremonyOverrides = {}): Record<string, unknown> {
    if (o.counter === undefined && this.counter > 0) this.counter += 1;
    const authData = this.authData(o, false);
    const clientData = this.clientData('webauthn.get', challenge, o);
    const signature = crypto.sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.keys.privateKey);
    const handle = o.userHandle === undefined ? this.userHandle : o.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature), ...(handle ? { userHandle: handle } : {}) },
      clientExtensionResults: {},
    };
  }
}
