// A facilitator's "Tell a counselor", pure: the per-room state (on its way, told, refused, a
// dropped connection) and the texts.
import { describe, expect, it } from 'vitest';
import {
  applyRaised,
  describeEscalateError,
  escalateDisconnected,
  escalateFailed,
  escalateLabel,
  noEscalate,
  raisedText,
  startEscalate,
} from './escalate';
import { ErrorCode } from './proto';

describe('the state', () => {
  it('on its way, then told; a second answer changes nothing', () => {
    const sent = startEscalate(startEscalate(noEscalate, 2), 5);
    expect(sent).toEqual({ sending: { 2: true, 5: true }, told: {} });
    const told = applyRaised(sent, 2, '90');
    expect(told).toEqual({ sending: { 5: true }, told: { 2: '90' } });
    expect(applyRaised(told, 2, '90')).toBe(told);
  });

  it('a refusal or a dropped connection brings the buttons back and keeps the marks', () => {
    const s = startEscalate(applyRaised(noEscalate, 1, '90'), 2);
    expect(escalateFailed(s, 2)).toEqual({ sending: {}, told: { 1: '90' } });
    expect(escalateFailed(noEscalate, 2)).toBe(noEscalate);
    expect(escalateDisconnected(s)).toEqual({ sending: {}, told: { 1: '90' } });
    expect(escalateDisconnected(noEscalate)).toBe(noEscalate);
  });
});

describe('the texts', () => {
  it('names the button by the writer and says what happened', () => {
    expect(escalateLabel('Quiet Fox')).toBe('Tell a counselor about the message from Quiet Fox');
    expect(raisedText(false)).toBe('A counselor has been told about this message.');
    expect(raisedText(true)).toBe('A counselor was already told about this message.');
  });

  it('a refusal: the server’s words when it has some, else ours', () => {
    expect(describeEscalateError(ErrorCode.FORBIDDEN, 0, ' Not your room. ')).toBe('Not your room.');
    expect(describeEscalateError(ErrorCode.FORBIDDEN)).toMatch(/^Only this room's facilitators/);
    expect(describeEscalateError(ErrorCode.INVALID_ARGUMENT)).toBe("That message can't be passed to a counselor.");
    expect(describeEscalateError(ErrorCode.RATE_LIMITED, 3000)).toBe("You're sending fast — try again in 3 s.");
  });
});
