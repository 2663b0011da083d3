import { useRef, useState } from 'preact/hooks';
import {
  CHECK_IN_QUESTION,
  CHECK_IN_THANKS,
  MOODS,
  WORD_MAX_BYTES,
  answerProblem,
  moodLabel,
  studentCountText,
} from '../checkins';
import type { AnswerProblem, RoomCheckIn } from '../checkins';
import { useFocusRescue } from './focus';

type Problem = AnswerProblem | { field: 'send'; text: string };

/**
 * A student's check-in, above the composer while a round is open: "How are you feeling?" as a
 * radio group of five moods, an optional word, Send check-in and Pass. Once answered (or
 * passed), the form gives way to "Thanks for checking in." and the keyboard moves there. How
 * many have checked in is shown either way; never who, never what. Keyed by round, so a new
 * round starts with an empty form.
 */
export function CheckInForm(props: {
  checkIn: RoomCheckIn;
  /** Sends an answer; returns why it could not go, or null. */
  onAnswer: (mood: number, word: string) => string | null;
  /** Sends a pass; returns why it could not go, or null. */
  onPass: () => string | null;
}) {
  const { round, answered, sending } = props.checkIn;
  const ref = useRef<HTMLElement>(null);
  const thanksRef = useRef<HTMLParagraphElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const wordRef = useRef<HTMLInputElement>(null);
  const [mood, setMood] = useState(0);
  const [word, setWord] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  // The form goes away under the button that sent it: the keyboard goes to the thanks.
  const rescue = useFocusRescue(ref, [answered], thanksRef);
  if (!round) return null;

  function answer(e: Event) {
    e.preventDefault();
    if (sending) return;
    const p = answerProblem(mood, word);
    if (p) {
      setProblem(p);
      (p.field === 'mood' ? firstRef : wordRef).current?.focus();
      return;
    }
    const err = props.onAnswer(mood, word);
    setProblem(err ? { field: 'send', text: err } : null);
  }

  function pass() {
    if (sending) return;
    const err = props.onPass();
    setProblem(err ? { field: 'send', text: err } : null);
  }

  const shown = problem ?? (props.checkIn.error ? { field: 'send' as const, text: props.checkIn.error } : null);
  const errId = 'checkin-error';
  return (
    <section class="checkin" aria-labelledby="checkin-heading" ref={ref} tabIndex={-1} {...rescue}>
      <h3 id="checkin-heading">Check-in</h3>
      {answered ? (
        <p class="checkin-thanks" ref={thanksRef} tabIndex={-1}>
          {CHECK_IN_THANKS}
        </p>
      ) : (
        <form onSubmit={answer} noValidate>
          <fieldset class="checkin-moods" aria-describedby={shown?.field === 'mood' ? errId : undefined}>
            <legend>{CHECK_IN_QUESTION}</legend>
            {MOODS.map((m, i) => (
              <label key={m.mood} class="checkin-mood">
                <input
                  ref={i === 0 ? firstRef : undefined}
                  type="radio"
                  name="checkin-mood"
                  value={String(m.mood)}
                  checked={mood === m.mood}
                  onChange={() => {
                    setMood(m.mood);
                    if (problem?.field === 'mood') setProblem(null);
                  }}
                />
                {moodLabel(m.mood)}
              </label>
            ))}
          </fieldset>
          <div class="checkin-word">
            <label for="checkin-word">One word (optional)</label>
            <input
              id="checkin-word"
              ref={wordRef}
              type="text"
              autocomplete="off"
              value={word}
              aria-invalid={shown?.field === 'word' ? 'true' : undefined}
              aria-describedby={shown?.field === 'word' ? `${errId} checkin-word-hint` : 'checkin-word-hint'}
              onInput={(e) => {
                setWord(e.currentTarget.value);
                if (problem?.field === 'word') setProblem(null);
              }}
            />
            <p id="checkin-word-hint" class="hint">
              No spaces; at most {WORD_MAX_BYTES} bytes.
            </p>
          </div>
          <div role="alert" class="checkin-problem">
            {shown && (
              <p id={errId} class="error-text">
                {shown.text}
              </p>
            )}
          </div>
          <div class="checkin-actions">
            <button type="submit" class="primary small" aria-disabled={sending ? 'true' : undefined}>
              {sending === 'answer' ? 'Sending…' : 'Send check-in'}
            </button>
            <button type="button" class="small" aria-disabled={sending ? 'true' : undefined} onClick={pass}>
              {sending === 'pass' ? 'Passing…' : 'Pass'}
            </button>
          </div>
        </form>
      )}
      <p class="checkin-count">{studentCountText(round)}</p>
    </section>
  );
}
