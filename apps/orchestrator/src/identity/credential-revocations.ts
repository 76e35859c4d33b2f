import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

/**
 * Tells the live stream that a credential stopped being valid (a share link or
 * key revoked, a session signed out, a member removed), so sockets opened with
 * it are closed at once instead of at their next reconnect.
 */
@Injectable()
export class CredentialRevocations {
  private readonly emitter = new EventEmitter();

  credentialRevoked(credentialId: string): void {
    this.emitter.emit('credential', credentialId);
  }

  userChanged(userId: string): void {
    this.emitter.emit('user', userId);
  }

  onCredentialRevoked(listener: (credentialId: string) => void): void {
    this.emitter.on('credential', listener);
  }

  onUserChanged(listener: (userId: string) => void): void {
    this.emitter.on('user', listener);
  }
}
