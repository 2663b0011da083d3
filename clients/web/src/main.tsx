import { render } from 'preact';
import { App } from './ui/App';
import './styles.css';
import './cases.css';
import './checkins.css';
import './escalate.css';

render(<App />, document.getElementById('app')!);
